package org.fleetupgrade.reboot.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.controlplane.drain.DrainSettings;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A node's reboot steps against fabric8's mock API server; the "reboot" is played by the test. */
@EnableKubernetesMockClient(crud = true)
class KubernetesNodeRebootsTest {

  static final String NODE = "mlab2-lga03.mlab-oti.measurement-lab.org";
  static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.35.1");
  static final NodeTarget TARGET_NODE = new NodeTarget("production", NODE, TARGET, "fleet-upgrade-v1.35.1/production/rollout");

  KubernetesClient client;
  List<String> reboots = new ArrayList<>();
  KubernetesNodeReboots nodes;
  /** The adapter's clock, moved by the tests. */
  Instant now = Instant.parse("2026-11-25T10:00:00Z");

  @BeforeEach
  void stage() {
    nodes = new KubernetesNodeReboots(Map.of("production", new KubernetesNodeReboots.Stage(client,
        new NodeDrainer(client, DrainSettings.DEFAULT), (node, address) -> {
          reboots.add(node);
          boot(node, "boot-2", "v1.35.1"); // the machine comes back on the new image
          return "ssh: connection closed by the reboot";
        }, "ssh", new NodeExclusions(List.of("lame-duck"), List.of("mlab/maintenance=true")),
        new ClusterNodes(client, "node-role.kubernetes.io/control-plane", "mlab/type=virtual"))),
        new Clock() {
          @Override
          public ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now;
          }
        });
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).addToLabels("mlab/site", "lga03")
        .endMetadata().withNewSpec().endSpec().withNewStatus().withNewNodeInfo().withBootID("boot-1")
        .withKubeletVersion("v1.34.4").endNodeInfo().addNewCondition().withType("Ready").withStatus("True").endCondition()
        .endStatus().build()).create();
  }

  private void boot(String node, String bootId, String kubelet) {
    client.nodes().withName(node).edit(n -> new NodeBuilder(n).editStatus().editNodeInfo().withBootID(bootId)
        .withKubeletVersion(kubelet).endNodeInfo().endStatus().build());
  }

  @Test
  void aRebootIsProvenByANewBootIdAndTheTargetKubelet() {
    // Given the node's bootID before
    NodeObservation before = nodes.observe(TARGET_NODE);
    assertThat(before.bootId()).isEqualTo("boot-1");
    assertThat(before.atTarget("v1.35.1")).isFalse();

    // When it is cordoned, drained and rebooted
    nodes.cordonAndDrain(TARGET_NODE);
    TriggerOutcome outcome = nodes.trigger(TARGET_NODE, before.bootId());

    // Then it came back on another boot at the target, and uncordoning undoes exactly our cordon
    assertThat(outcome.triggered()).isTrue();
    NodeObservation after = nodes.observe(TARGET_NODE);
    assertThat(after.rebootedFrom("boot-1", "v1.35.1")).isTrue();
    assertThat(after.cordonedByUs()).isTrue();
    assertThat(nodes.uncordon(TARGET_NODE)).isTrue();
    Node node = client.nodes().withName(NODE).get();
    assertThat(node.getSpec().getUnschedulable()).isFalse();
    assertThat(node.getMetadata().getAnnotations()).doesNotContainKey(KubernetesNodeReboots.CORDONED_BY);
  }

  @Test
  void howLongTheRebootTookIsKeptOnTheNodeForTheNextRollout() {
    // Given a node cordoned at 10:00, its drain retried at 10:07 (the cordon began at 10:00 still)
    nodes.cordonAndDrain(TARGET_NODE);
    now = now.plus(Duration.ofMinutes(7));
    nodes.cordonAndDrain(TARGET_NODE);
    nodes.trigger(TARGET_NODE, "boot-1");

    // When it is uncordoned on its new boot at 10:11
    now = now.plus(Duration.ofMinutes(4));
    nodes.uncordon(TARGET_NODE);

    // Then the node keeps 660 s as its last reboot time, our cordon's marks are gone, and the next
    // upgrade's rollout reads it with the node
    Map<String, String> annotations = client.nodes().withName(NODE).get().getMetadata().getAnnotations();
    assertThat(annotations).containsEntry(KubernetesNodeReboots.LAST_REBOOT_SECONDS, "660")
        .doesNotContainKeys(KubernetesNodeReboots.CORDONED_BY, KubernetesNodeReboots.CORDONED_AT,
            KubernetesNodeReboots.CORDONED_BOOT_ID);
    assertThat(nodes.pendingNodes("production", ReleaseVersion.parse("v1.36.0"), null, 10).pending())
        .containsExactly(new PlatformNode(NODE, "lga03", 660));
  }

  @Test
  void anUncordonWithoutARebootKeepsTheLastRebootTimeAsItWas() {
    // Given a node whose last reboot took 600 s, cordoned again
    client.nodes().withName(NODE).edit(n -> new NodeBuilder(n).editMetadata()
        .addToAnnotations(KubernetesNodeReboots.LAST_REBOOT_SECONDS, "600").endMetadata().build());
    nodes.cordonAndDrain(TARGET_NODE);

    // When it is uncordoned on the same boot (its drain was refused, say)
    now = now.plus(Duration.ofMinutes(30));
    nodes.uncordon(TARGET_NODE);

    // Then the time is the one of its last real reboot
    assertThat(client.nodes().withName(NODE).get().getMetadata().getAnnotations())
        .containsEntry(KubernetesNodeReboots.LAST_REBOOT_SECONDS, "600")
        .doesNotContainKeys(KubernetesNodeReboots.CORDONED_AT, KubernetesNodeReboots.CORDONED_BOOT_ID);
  }

  @Test
  void aLastRebootTimeThatIsNotANumberOfSecondsIsUnknown() {
    client.nodes().withName(NODE).edit(n -> new NodeBuilder(n).editMetadata()
        .addToAnnotations(KubernetesNodeReboots.LAST_REBOOT_SECONDS, "ten minutes").endMetadata().build());

    assertThat(nodes.pendingNodes("production", TARGET, null, 10).pending())
        .containsExactly(new PlatformNode(NODE, "lga03", null));
  }

  @Test
  void aRetryAfterTheNodeRebootedDoesNotRebootItAgain() {
    nodes.cordonAndDrain(TARGET_NODE);
    boot(NODE, "boot-2", "v1.35.1"); // the first attempt's reboot happened; the worker died before recording it

    TriggerOutcome outcome = nodes.trigger(TARGET_NODE, "boot-1");

    assertThat(outcome.triggered()).isFalse();
    assertThat(outcome.detail()).isEqualTo("already rebooted: bootID boot-1 -> boot-2");
    assertThat(reboots).isEmpty();
  }

  @Test
  void aNodeCordonedBySomeoneElseIsRebootedButLeftCordoned() {
    client.nodes().withName(NODE).edit(n -> new NodeBuilder(n).editSpec().withUnschedulable(true).endSpec().build());

    nodes.cordonAndDrain(TARGET_NODE);
    nodes.trigger(TARGET_NODE, "boot-1");

    assertThat(nodes.observe(TARGET_NODE).cordonedByUs()).isFalse();
    assertThat(nodes.uncordon(TARGET_NODE)).isFalse();
    assertThat(client.nodes().withName(NODE).get().getSpec().getUnschedulable()).isTrue();
  }

  @Test
  void lameDuckAndMaintenanceNodesAreExcludedWithTheReason() {
    client.nodes().withName(NODE).edit(n -> new NodeBuilder(n).editSpec().addNewTaint().withKey("lame-duck")
        .withEffect("NoSchedule").endTaint().endSpec().build());
    assertThat(nodes.observe(TARGET_NODE).excludedBecause()).isEqualTo("taint lame-duck");

    client.nodes().withName(NODE).edit(n -> new NodeBuilder(n).editSpec().withTaints(List.of()).endSpec()
        .editMetadata().addToLabels("mlab/maintenance", "true").endMetadata().build());
    assertThat(nodes.observe(TARGET_NODE).excludedBecause()).isEqualTo("label mlab/maintenance=true");
  }

  @Test
  void aMissingNodeIsReportedNotInvented() {
    NodeObservation gone = nodes.observe(new NodeTarget("production", "mlab9-xyz01", TARGET, "r"));
    assertThat(gone.exists()).isFalse();
    assertThat(gone.atTarget("v1.35.1")).isFalse();
  }

  @Test
  void theNodeListIsReadPageByPageInNameOrderCountingNodesAtTargetAndLeftAlone() {
    // Given, besides mlab2-lga03 (old kubelet, site from its label), five more platform nodes, a
    // control-plane node and a virtual node
    node("mlab1-ams08.mlab-oti.measurement-lab.org", Map.of(), "v1.34.4", false);
    node("mlab1-lga03.mlab-oti.measurement-lab.org", Map.of(), "v1.35.1", false); // already at the target
    node("mlab3-lga03.mlab-oti.measurement-lab.org", Map.of(), "v1.34.4", true); // lame-duck
    node("mlab4-lga03.mlab-oti.measurement-lab.org", Map.of("mlab/site", "lga99"), "v1.34.4", false);
    node("x-unnamed", Map.of(), "v1.34.4", false);
    node("api-platform-cluster-us-east1-b", Map.of("node-role.kubernetes.io/control-plane", ""), "v1.34.4", false);
    node("vm-1.mlab-oti.measurement-lab.org", Map.of("mlab/type", "virtual"), "v1.34.4", false);

    // When read in pages of 2 nodes to reboot
    NodePage first = nodes.pendingNodes("production", TARGET, null, 2);
    NodePage second = nodes.pendingNodes("production", TARGET, first.last(), 2);
    NodePage third = nodes.pendingNodes("production", TARGET, second.last(), 2);

    // Then pages follow name order, sites come from the label or the name, and what is at the target
    // or excluded is counted, never returned
    assertThat(first.pending()).containsExactly(new PlatformNode("mlab1-ams08.mlab-oti.measurement-lab.org", "ams08"),
        new PlatformNode(NODE, "lga03"));
    assertThat(first.atTarget()).isEqualTo(1);
    assertThat(first.more()).isTrue();
    assertThat(first.total()).as("platform nodes only").isEqualTo(6);
    assertThat(second.pending()).containsExactly(new PlatformNode("mlab4-lga03.mlab-oti.measurement-lab.org", "lga99"),
        new PlatformNode("x-unnamed", "x-unnamed"));
    assertThat(second.excluded()).isEqualTo(1);
    assertThat(second.excludedSample()).containsExactly("mlab3-lga03.mlab-oti.measurement-lab.org (taint lame-duck)");
    assertThat(second.more()).isFalse();
    assertThat(third.pending()).isEmpty();
    assertThat(third.more()).isFalse();
  }

  private void node(String name, Map<String, String> labels, String kubelet, boolean lameDuck) {
    NodeBuilder node = new NodeBuilder().withNewMetadata().withName(name).addToLabels(labels).endMetadata()
        .withNewSpec().endSpec().withNewStatus().withNewNodeInfo().withBootID("b").withKubeletVersion(kubelet)
        .endNodeInfo().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus();
    if (lameDuck) {
      node.editSpec().addNewTaint().withKey("lame-duck").withEffect("NoSchedule").endTaint().endSpec();
    }
    client.nodes().resource(node.build()).create();
  }
}
