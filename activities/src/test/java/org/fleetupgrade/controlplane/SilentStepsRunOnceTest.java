package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step that goes silent for longer than its heartbeat timeout (a drain a disruption budget holds,
 * a script downloading or waiting) still runs as one attempt: it heartbeats on a timer, so the
 * Temporal test server (real time, no skipping) never times it out and starts a second beside it.
 */
@EnableKubernetesMockClient
class SilentStepsRunOnceTest {

  private static final String QUEUE = "silent-steps";
  private static final Duration HEARTBEAT_PERIOD = Duration.ofSeconds(1);
  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");
  private static final ControlPlaneMember MEMBER = new ControlPlaneMember("api-platform-cluster-us-east1-b",
      "us-east1-b", "10.142.0.2", "127.0.0.1", ReleaseVersion.parse("v1.30.5"));
  private static final String NODE = MEMBER.name();
  private static final String PODS = "/api/v1/pods?fieldSelector=spec.nodeName%3D" + NODE + "&limit=500";
  private static final String EVICTION = "/api/v1/namespaces/web/pods/web-1/eviction";

  KubernetesMockServer server;
  KubernetesClient mockClient;

  @TempDir
  Path dir;

  /** The activities, recording the attempt each call is. */
  static final class CountedActivities extends ControlPlaneActivitiesImpl {
    final List<Integer> attempts = new CopyOnWriteArrayList<>();

    CountedActivities(StageControlPlane stage) {
      super(Map.of("production", stage), HEARTBEAT_PERIOD);
    }

    @Override
    public DrainResult drain(String stage, ControlPlaneMember member) {
      attempts.add(Activity.getExecutionContext().getInfo().getAttempt());
      return super.drain(stage, member);
    }

    @Override
    public MemberUpgradeResult upgrade(String stage, ControlPlaneMember member, TargetVersions target) {
      attempts.add(Activity.getExecutionContext().getInfo().getAttempt());
      return super.upgrade(stage, member, target);
    }
  }

  /** Runs {@code step} as a workflow would, on the test server in real time, and returns its result. */
  static String runStep(ControlPlaneActivitiesImpl activities, String step) {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
        TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    try {
      // The SDK sends heartbeats at most every 0.8 heartbeat timeouts, or its maximum throttle: 60 s
      // under the stage's 2 minutes. One second here keeps the same room (not 0.6 s of 3 s) on a busy machine.
      Worker worker = env.newWorker(QUEUE, WorkerOptions.newBuilder()
          .setMaxHeartbeatThrottleInterval(Duration.ofSeconds(1)).build());
      worker.registerWorkflowImplementationTypes(MemberStepWorkflow.Impl.class);
      worker.registerActivitiesImplementations(activities);
      env.start();
      return env.getWorkflowClient().newWorkflowStub(MemberStepWorkflow.class, WorkflowOptions.newBuilder()
          .setTaskQueue(QUEUE).setWorkflowExecutionTimeout(Duration.ofMinutes(2)).build()).run(step, MEMBER, TARGET);
    } finally {
      env.close();
    }
  }

  @Test
  void aDrainABudgetHoldsPastTheHeartbeatTimeoutRunsAsOneAttempt() throws Exception {
    // Given a node whose one pod a budget refuses to evict four times, 1.5 s apart: six silent seconds
    var node = new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build();
    server.expect().get().withPath("/api/v1/nodes/" + NODE).andReturn(200, node).always();
    server.expect().patch().withPath("/api/v1/nodes/" + NODE).andReturn(200, node).always();
    server.expect().get().withPath(PODS).andReturn(200, new PodListBuilder().withItems(new PodBuilder()
        .withNewMetadata().withNamespace("web").withName("web-1").withUid("web-1-uid").addNewOwnerReference()
        .withKind("ReplicaSet").withName("web-7d9").withController(true).withApiVersion("apps/v1").withUid("rs-uid")
        .endOwnerReference().endMetadata().withNewSpec().withNodeName(NODE).endSpec().build()).build()).always();
    server.expect().post().withPath(EVICTION).andReturn(429, """
        {"kind":"Status","apiVersion":"v1","status":"Failure","code":429,
         "details":{"causes":[{"reason":"DisruptionBudget",
           "message":"The disruption budget web-pdb needs 2 healthy pods and has 2 currently"}]}}
        """).times(4);
    server.expect().post().withPath(EVICTION).andReturn(201, "{}").once();
    // The client retries 429s itself by default; the drainer handles budgets on its own.
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(mockClient.getConfiguration())
        .withRequestRetryBackoffLimit(0).build()).build();
    CountedActivities activities = new CountedActivities(new StageControlPlane(new Fabric8ControlPlaneCluster(
        new NodeDrainer(client, new DrainSettings(Duration.ofSeconds(30), Duration.ofMillis(1500), false)), null), null));

    // When the drain runs under a 3 s heartbeat timeout
    String result;
    try {
      result = runStep(activities, "drain");
    } finally {
      client.close();
    }

    // Then it evicted the pod in one attempt: one listing of the node's pods, five eviction calls
    assertThat(result).contains("evicted=1");
    assertThat(activities.attempts).containsExactly(1);
    List<String> paths = new ArrayList<>();
    for (int i = server.getRequestCount(); i > 0; i--) {
      RecordedRequest request = server.takeRequest();
      paths.add(request.getMethod() + " " + request.getPath());
    }
    assertThat(paths).filteredOn(p -> p.equals("GET " + PODS)).hasSize(1);
    assertThat(paths).filteredOn(p -> p.equals("POST " + EVICTION)).hasSize(5);
  }

  @Test
  void aScriptSilentPastTheHeartbeatTimeoutRunsAsOneAttempt() throws Exception {
    // Given a host where the member's script (played by a stand-in) prints its step, then nothing for 8 s
    Path starts = dir.resolve("starts");
    try (ScriptHost host = new ScriptHost();
         SshExecutor ssh = new SshExecutor(host.settings(dir, host.hostKey, host.clientKey, Duration.ofSeconds(10))
             .withRemoteCommand("/bin/bash -s"), new RemoteProcessGroups(dir.resolve("run").toString(),
             Duration.ofSeconds(2)))) {
      host.runInShell(ScriptHost.standIn("""
          echo "==> $MARK_NONCE step kubeadm-upgrade"
          echo started >> %s
          sleep 8
          echo "==> $MARK_NONCE result node"
          echo "==> $MARK_NONCE step done"
          """.formatted(starts)));
      SshMemberUpgrader upgrader = new SshMemberUpgrader(ssh, new MemberScriptSettings("mlab-oti", "amd64",
          "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"),
          "/etc/kubernetes/kubeadm-config.yml.template", 300, host.port(), HostMetadata.MLAB), Duration.ofSeconds(30));
      CountedActivities activities = new CountedActivities(new StageControlPlane(null, upgrader));

      // When the upgrade runs under a 3 s heartbeat timeout
      String result = runStep(activities, "upgrade");

      // Then the script ran once, to its end, in one attempt, and nothing had to be stopped
      assertThat(result).contains("mode=NODE");
      assertThat(activities.attempts).containsExactly(1);
      assertThat(Files.readAllLines(starts)).hasSize(1);
      assertThat(host.received).as("no second script, and no stop").hasSize(1);
    }
  }
}
