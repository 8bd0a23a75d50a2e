package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the crash tests read and assert in the simulated fleet's state file (simulation.stateFile,
 * written by the worker process; read as JSON, so the tests depend on its format, not on the
 * worker's classes).
 */
final class SideEffects {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SideEffects() {}

  /** The state file as the worker last wrote it (whole: it is replaced by a rename). */
  static JsonNode read(Path stateFile) throws IOException {
    return JSON.readTree(Files.readString(stateFile));
  }

  /** The journal's entries of {@code action} in {@code stage}, in order. */
  static List<JsonNode> journal(JsonNode state, String action, String stage) {
    List<JsonNode> found = new ArrayList<>();
    state.path("journal").forEach(e -> {
      if (e.path("action").asText().equals(action) && e.path("stage").asText().equals(stage)) {
        found.add(e);
      }
    });
    return found;
  }

  static List<String> names(JsonNode items) {
    List<String> names = new ArrayList<>();
    items.forEach(i -> names.add(i.path("name").asText()));
    return names;
  }

  /**
   * Every stage ran {@code kubeadm upgrade apply} once (on its first member) and {@code upgrade
   * node} once on each other member; every platform node was sent into a reboot exactly once and
   * is back on a new boot at the target; every member and virtual node runs the target.
   */
  static void assertEachDoneOnce(JsonNode state, String target) {
    for (JsonNode stage : state.path("clusters")) {
      String name = stage.path("name").asText();
      List<String> members = names(stage.path("members"));
      assertThat(journal(state, "apply", name)).as("kubeadm upgrade apply in %s", name)
          .extracting(e -> e.path("target").asText()).containsExactly(members.get(0));
      assertThat(journal(state, "upgrade-node", name)).as("kubeadm upgrade node in %s", name)
          .extracting(e -> e.path("target").asText()).containsExactlyElementsOf(members.subList(1, members.size()));
      assertThat(stage.path("applies").asInt()).as("applies counted in %s", name).isEqualTo(1);
      stage.path("members").forEach(m -> assertThat(m.path("kubelet").asText() + " " + m.path("staticPods").asText()
          + " cordoned=" + m.path("cordoned").asBoolean()).as(m.path("name").asText())
          .isEqualTo(target + " " + target + " cordoned=false"));
      assertThat(stage.path("kubeadmConfig").asText()).isEqualTo(target);

      List<JsonNode> reboots = journal(state, "reboot", name);
      var perNode = reboots.stream().collect(Collectors.groupingBy(e -> e.path("target").asText(), Collectors.counting()));
      List<String> nodes = names(stage.path("platform"));
      assertThat(perNode).as("reboots per node in %s (journal: %s)", name, reboots)
          .containsOnlyKeys(nodes).allSatisfy((node, times) -> assertThat(times).as(node).isEqualTo(1L));
      assertThat(stage.path("reboots").asInt()).as("reboots counted in %s", name).isEqualTo(nodes.size());
      stage.path("platform").forEach(n -> assertThat(n.path("kubelet").asText() + " boot-" + n.path("boot").asInt()
          + " ready=" + n.path("ready").asBoolean() + " cordoned=" + n.path("cordoned").asBoolean())
          .as(n.path("name").asText()).isEqualTo(target + " boot-2 ready=true cordoned=false"));
      stage.path("virtual").forEach(v -> assertThat(v.path("kubelet").asText()).as(v.path("name").asText())
          .isEqualTo(target));
    }
  }

  /** The stage named {@code name} in a status snapshot ({@code status --json}, the status query). */
  static JsonNode stage(JsonNode status, String name) {
    for (JsonNode stage : status.path("stages")) {
      if (stage.path("name").asText().equals(name)) {
        return stage;
      }
    }
    throw new AssertionError("no stage " + name + " in " + status);
  }
}
