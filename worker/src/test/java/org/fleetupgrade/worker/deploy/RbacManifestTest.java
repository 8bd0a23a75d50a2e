package org.fleetupgrade.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fleetupgrade.kubernetes.KubernetesPermissions;
import org.junit.jupiter.api.Test;

/** k8s/rbac.yaml grants exactly the verbs the Kubernetes adapter uses, and nothing more. */
class RbacManifestTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  private static List<JsonNode> documents(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = yaml.getFactory().createParser(Files.readString(file))) {
      yaml.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
    }
    return docs;
  }

  /** resource -> sorted verbs, over every rule of every document of {@code kind} (in {@code namespace}, if given). */
  private static Map<String, List<String>> grants(List<JsonNode> docs, String kind, String namespace) {
    Map<String, List<String>> grants = new TreeMap<>();
    for (JsonNode doc : docs) {
      if (!kind.equals(doc.path("kind").asText())
          || (namespace != null && !namespace.equals(doc.path("metadata").path("namespace").asText()))) {
        continue;
      }
      for (JsonNode rule : doc.path("rules")) {
        assertThat(rule.path("apiGroups").size()).as("one API group per rule").isEqualTo(1);
        for (JsonNode resource : rule.path("resources")) {
          List<String> verbs = grants.computeIfAbsent(resource.asText(), r -> new ArrayList<>());
          rule.path("verbs").forEach(v -> verbs.add(v.asText()));
          verbs.sort(String::compareTo);
        }
      }
    }
    return grants;
  }

  private static Map<String, List<String>> sorted(Map<String, List<String>> permissions) {
    Map<String, List<String>> sorted = new TreeMap<>();
    permissions.forEach((resource, verbs) -> sorted.put(resource, verbs.stream().sorted().toList()));
    return sorted;
  }

  @Test
  void theClusterRoleAndTheKubeSystemRoleGrantExactlyWhatTheAdapterUses() throws IOException {
    List<JsonNode> docs = documents(REPO.resolve("k8s/rbac.yaml"));

    assertThat(grants(docs, "ClusterRole", null)).isEqualTo(sorted(KubernetesPermissions.CLUSTER));
    assertThat(grants(docs, "Role", "kube-system")).isEqualTo(sorted(KubernetesPermissions.KUBE_SYSTEM));
    assertThat(grants(docs, "Role", "default")).isEqualTo(sorted(KubernetesPermissions.KURED));
    assertThat(docs).filteredOn(d -> "Role".equals(d.path("kind").asText())
            && "default".equals(d.path("metadata").path("namespace").asText()))
        .singleElement().satisfies(role -> {
          assertThat(role.path("rules").get(0).path("apiGroups").toString()).isEqualTo("[\"apps\"]");
          assertThat(role.path("rules").get(0).path("resourceNames").toString()).isEqualTo("[\"kubereboot-kured\"]");
        });
    assertThat(docs).extracting(d -> d.path("kind").asText()).containsExactlyInAnyOrder("ServiceAccount", "ClusterRole",
        "ClusterRoleBinding", "Role", "RoleBinding", "Role", "RoleBinding");
    assertThat(docs).filteredOn(d -> d.path("kind").asText().endsWith("Binding"))
        .allSatisfy(b -> assertThat(b.path("subjects").get(0).path("name").asText()).isEqualTo("fleet-upgrade-worker"));
  }

  @Test
  void theWorkerRunsAsThatServiceAccount() throws IOException {
    JsonNode deployment = documents(REPO.resolve("k8s/worker.yaml")).stream()
        .filter(d -> "Deployment".equals(d.path("kind").asText())).findFirst().orElseThrow();
    assertThat(deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText())
        .isEqualTo("fleet-upgrade-worker");
  }
}
