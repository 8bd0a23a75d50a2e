package org.fleetupgrade.tooling;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.fleetupgrade.controlplane.SshNodeToolingUpgrader;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node tooling as an activity: virtual nodes from the API, each reached at its address over SSH. */
@EnableKubernetesMockClient(crud = true)
class SshNodeToolingActivitiesTest {

  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");

  KubernetesClient client;

  @TempDir
  Path dir;

  private void virtualNode(String name, String kubelet) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).addToLabels("mlab/type", "virtual")
        .endMetadata().withNewStatus().withNewNodeInfo().withKubeletVersion(kubelet).endNodeInfo()
        .addNewAddress().withType("InternalIP").withAddress("10.0.0.9").endAddress()
        .addNewAddress().withType("ExternalIP").withAddress("127.0.0.1").endAddress().endStatus().build()).create();
  }

  @Test
  void upgradesTheVirtualNodesNotAtTheTargetAtTheirExternalAddress() throws Exception {
    // Given two virtual nodes, one already at the target, and a platform node that is not virtual
    virtualNode("vm-1.mlab-oti.measurement-lab.org", "v1.30.5");
    virtualNode("vm-2.mlab-oti.measurement-lab.org", "v1.31.2");
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("mlab1-lga03.mlab-oti.measurement-lab.org")
        .endMetadata().build()).create();
    try (ScriptHost host = new ScriptHost();
         SshExecutor ssh = new SshExecutor(host.settings(dir, host.hostKey, host.clientKey, Duration.ofSeconds(10)))) {
      host.play = (script, call) -> Reply.exit(0, "==> step kubeadm-upgrade", "==> result node", "==> step done");
      TestActivityEnvironment env = TestActivityEnvironment.newInstance();
      try {
        env.registerActivitiesImplementations(new SshNodeToolingActivities(Map.of("production",
            new SshNodeToolingActivities.Stage(new ClusterNodes(client, "node-role.kubernetes.io/control-plane",
                "mlab/type=virtual"),
                new SshNodeToolingUpgrader(ssh, "amd64", ReleaseSources.OFFICIAL, host.port(), Duration.ofSeconds(20))))));
        NodeToolingActivities tooling = env.newActivityStub(NodeToolingActivities.class, ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(1))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());

        // When the node tooling step runs
        ToolingResult result = tooling.upgradeVirtualNodes("production", TARGET);

        // Then only the node behind was upgraded, over SSH at its external address
        assertThat(result.upgraded()).containsExactly("vm-1.mlab-oti.measurement-lab.org");
        assertThat(result.alreadyAtTarget()).containsExactly("vm-2.mlab-oti.measurement-lab.org");
        assertThat(host.received).singleElement()
            .satisfies(r -> assertThat(r.script()).contains("NODE='vm-1.mlab-oti.measurement-lab.org'"));
      } finally {
        env.close();
      }
    }
  }
}
