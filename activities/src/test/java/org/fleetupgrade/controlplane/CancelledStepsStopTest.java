package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.controlplane.drain.DrainSettings;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.controlplane.script.AdminConfCopy;
import org.fleetupgrade.controlplane.script.HostMetadata;
import org.fleetupgrade.controlplane.script.MemberScriptSettings;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.ssh.RemoteProcessGroups;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancelled step stops, where it runs: the member's script is stopped on its host (a local shell
 * here, behind the embedded SSH server), and a drain stops evicting. Cancellation reaches an
 * activity only as the answer to a heartbeat, so these heartbeat every 200 ms.
 */
@EnableKubernetesMockClient
class CancelledStepsStopTest {

  private static final Duration HEARTBEAT_PERIOD = Duration.ofMillis(200);
  private static final Duration WITHIN = Duration.ofSeconds(20);
  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");
  private static final ControlPlaneMember MEMBER = new ControlPlaneMember("api-platform-cluster-us-east1-b",
      "us-east1-b", "10.142.0.2", "127.0.0.1", ReleaseVersion.parse("v1.30.5"));

  KubernetesMockServer server;
  KubernetesClient mockClient;

  @TempDir
  Path dir;

  private TestActivityEnvironment env;

  @BeforeEach
  void environment() {
    env = TestActivityEnvironment.newInstance();
  }

  @AfterEach
  void close() {
    env.close();
  }

  private ControlPlaneActivities stub(StageControlPlane stage) {
    env.registerActivitiesImplementations(new ControlPlaneActivitiesImpl(Map.of("production", stage), HEARTBEAT_PERIOD));
    // The SDK sends heartbeats at most every 0.8 heartbeat timeouts: 1.6 s here.
    return env.newActivityStub(ControlPlaneActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(2))
        .setHeartbeatTimeout(Duration.ofSeconds(2))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  /** Waits, looking every 50 ms for at most {@link #WITHIN}, until {@code file} exists. */
  private static void awaitFile(Path file) throws InterruptedException {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (!Files.exists(file)) {
      assertThat(System.nanoTime()).as(file + " appears").isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  private static void assertCancelled(CompletableFuture<?> step) {
    assertThatThrownBy(() -> step.get(WITHIN.toSeconds(), TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(CanceledFailure.class);
  }

  @Test
  void aCancelledUpgradeStopsItsScriptOnTheHost() throws Exception {
    // Given a member whose script (played by a stand-in) waits, silent, for ten minutes
    Path leader = dir.resolve("leader.pid");
    try (ScriptHost host = new ScriptHost();
         SshExecutor ssh = new SshExecutor(host.settings(dir, host.hostKey, host.clientKey, Duration.ofSeconds(10))
             .withRemoteCommand("/bin/bash -s"), new RemoteProcessGroups(dir.resolve("run").toString(),
             Duration.ofSeconds(5)))) {
      host.runInShell(ScriptHost.standIn("""
          echo "==> $MARK_NONCE step wait-settled"
          echo "$$" > %s
          sleep 600
          """.formatted(leader)));
      ControlPlaneActivities activities = stub(new StageControlPlane(null, new SshMemberUpgrader(ssh,
          new MemberScriptSettings("mlab-oti", "amd64", "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL,
              AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"), "/etc/kubernetes/kubeadm-config.yml.template", 300,
              host.port(), HostMetadata.MLAB), Duration.ofMinutes(15))));
      CompletableFuture<MemberUpgradeResult> upgrade = CompletableFuture.supplyAsync(
          () -> activities.upgrade("production", MEMBER, TARGET));
      awaitFile(leader);
      long pid = Long.parseLong(Files.readString(leader).strip());

      // When the activity is cancelled
      env.requestCancelActivity();

      // Then it ends as cancelled, and the script is gone from the host, stopped over a second connection
      assertCancelled(upgrade);
      assertThat(ScriptHost.awaitGone(pid, WITHIN)).as("the script's process").isTrue();
      assertThat(host.received).hasSize(2);
      assertThat(host.received.get(1).script()).contains("kill -TERM");
    }
  }

  @Test
  void aCancelledDrainStopsEvicting() throws Exception {
    // Given a node whose one pod a budget never lets go, and a drain that would try for ten minutes
    String node = MEMBER.name();
    var nodeObject = new NodeBuilder().withNewMetadata().withName(node).endMetadata().build();
    server.expect().get().withPath("/api/v1/nodes/" + node).andReturn(200, nodeObject).always();
    server.expect().patch().withPath("/api/v1/nodes/" + node).andReturn(200, nodeObject).always();
    server.expect().get().withPath("/api/v1/pods?fieldSelector=spec.nodeName%3D" + node + "&limit=500")
        .andReturn(200, new PodListBuilder().withItems(new PodBuilder().withNewMetadata().withNamespace("web")
            .withName("web-1").withUid("web-1-uid").addNewOwnerReference().withKind("ReplicaSet").withName("web-7d9")
            .withController(true).withApiVersion("apps/v1").withUid("rs-uid").endOwnerReference().endMetadata()
            .withNewSpec().withNodeName(node).endSpec().build()).build()).always();
    String eviction = "/api/v1/namespaces/web/pods/web-1/eviction";
    server.expect().post().withPath(eviction).andReturn(429, """
        {"kind":"Status","apiVersion":"v1","status":"Failure","code":429,
         "details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget web-pdb needs 2"}]}}
        """).always();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
        mockClient.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build()) {
      ControlPlaneActivities activities = stub(new StageControlPlane(new Fabric8ControlPlaneCluster(
          new NodeDrainer(client, new DrainSettings(Duration.ofMinutes(10), Duration.ofMillis(500), false)), null), null));
      CompletableFuture<DrainResult> drain = CompletableFuture.supplyAsync(() -> activities.drain("production", MEMBER));
      for (RecordedRequest request = server.takeRequest(WITHIN.toSeconds(), TimeUnit.SECONDS);
           !request.getPath().equals(eviction); request = server.takeRequest(WITHIN.toSeconds(), TimeUnit.SECONDS)) {
        assertThat(request).as("the drain's first eviction").isNotNull();
      }

      // When the activity is cancelled while the budget holds the drain
      env.requestCancelActivity();

      // Then the drain ends as cancelled, long before its ten minutes
      assertCancelled(drain);
    }
  }
}
