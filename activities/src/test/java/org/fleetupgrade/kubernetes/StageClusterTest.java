package org.fleetupgrade.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.temporal.failure.ApplicationFailure;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true)
class StageClusterTest {

  KubernetesClient client;

  @TempDir
  Path dir;

  @Test
  void aReachableClusterAnswersWithItsVersion() {
    assertThat(StageCluster.of("sandbox", client).checkReachable()).isNotNull();
  }

  @Test
  void aKubeconfigAndContextSelectTheEndpointAndAnUnreachableOneIsNamed() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
          - name: other
            cluster: {server: "https://127.0.0.1:1"}
          - name: sandbox
            cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
        users:
          - name: fleet-upgrade
            user: {token: "not-a-secret"}
        contexts:
          - name: other
            context: {cluster: other, user: fleet-upgrade}
          - name: mlab-sandbox
            context: {cluster: sandbox, user: fleet-upgrade}
        current-context: other
        """.formatted(closedPort));

    try (StageCluster cluster = StageCluster.connect("sandbox", kubeconfig, "mlab-sandbox")) {
      assertThat(cluster.client().getMasterUrl()).hasToString("https://127.0.0.1:" + closedPort + "/");
      assertThatThrownBy(cluster::checkReachable)
          .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
            assertThat(e.getType()).isEqualTo(StageCluster.UNREACHABLE);
            assertThat(e.getOriginalMessage())
                .startsWith("stage sandbox: cannot reach the cluster at https://127.0.0.1:" + closedPort + "/: ");
          });
    }
  }

  @Test
  void anUnreadableKubeconfigIsNamed() {
    assertThatThrownBy(() -> StageCluster.connect("staging", dir.resolve("missing"), null))
        .hasMessage("stage staging: kubeconfig " + dir.resolve("missing") + " is not readable");
  }
}
