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
import org.junit.jupiter.api.Test;

/**
 * k8s/rbac.yaml's shape, and the worker runs as its ServiceAccount. Whether its rules grant exactly
 * what the adapters do is checked against the requests the adapters make in their tests
 * (activities: KubernetesRbacIT), not here.
 */
class RbacManifestTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  static List<JsonNode> documents(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = yaml.getFactory().createParser(Files.readString(file))) {
      yaml.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
    }
    return docs;
  }

  private static JsonNode namespacedRole(List<JsonNode> docs, String namespace) {
    return docs.stream().filter(d -> "Role".equals(d.path("kind").asText())
        && namespace.equals(d.path("metadata").path("namespace").asText())).findFirst().orElseThrow();
  }

  @Test
  void oneServiceAccountBoundToItsRolesAndTheNamespacedRolesNameTheirObject() throws IOException {
    List<JsonNode> docs = documents(REPO.resolve("k8s/rbac.yaml"));

    assertThat(docs).extracting(d -> d.path("kind").asText()).containsExactlyInAnyOrder("ServiceAccount", "ClusterRole",
        "ClusterRoleBinding", "Role", "RoleBinding", "Role", "RoleBinding");
    assertThat(docs).filteredOn(d -> d.path("kind").asText().endsWith("Binding"))
        .allSatisfy(b -> assertThat(b.path("subjects").get(0).path("name").asText()).isEqualTo("fleet-upgrade-worker"));
    JsonNode kured = namespacedRole(docs, "default").path("rules").get(0);
    assertThat(kured.path("apiGroups").toString()).isEqualTo("[\"apps\"]");
    assertThat(kured.path("resourceNames").toString()).isEqualTo("[\"kubereboot-kured\"]");
    JsonNode kubeadm = namespacedRole(docs, "kube-system").path("rules").get(0);
    assertThat(kubeadm.path("resourceNames").toString()).isEqualTo("[\"kubeadm-config\"]");
  }

  @Test
  void theWorkerRunsAsThatServiceAccount() throws IOException {
    JsonNode deployment = documents(REPO.resolve("k8s/worker.yaml")).stream()
        .filter(d -> "Deployment".equals(d.path("kind").asText())).findFirst().orElseThrow();
    assertThat(deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText())
        .isEqualTo("fleet-upgrade-worker");
  }
}
