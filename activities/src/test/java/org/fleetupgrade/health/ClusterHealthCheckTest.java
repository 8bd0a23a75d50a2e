package org.fleetupgrade.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.function.UnaryOperator;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.Test;

/** Cluster health against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class ClusterHealthCheckTest {

  static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.31.2");

  KubernetesClient client;

  static Node node(String name, String kubelet, boolean ready, UnaryOperator<NodeBuilder> shape) {
    return shape.apply(new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
        .withNewNodeInfo().withKubeletVersion(kubelet).endNodeInfo()
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus()).build();
  }

  static Pod pod(String namespace, String name, String node, UnaryOperator<PodBuilder> shape) {
    return shape.apply(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
        .withNewSpec().withNodeName(node).endSpec().withNewStatus().withPhase("Running").endStatus()).build();
  }

  static PodBuilder crashLooping(PodBuilder pod) {
    return pod.editStatus().addNewContainerStatus().withName("main").withRestartCount(7).withNewState().withNewWaiting()
        .withReason("CrashLoopBackOff").endWaiting().endState().endContainerStatus().endStatus();
  }

  private void create(Node... nodes) {
    for (Node n : nodes) {
      client.nodes().resource(n).create();
    }
  }

  private void create(Pod... pods) {
    for (Pod p : pods) {
      client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
    }
  }

  @Test
  void reportsNodesByRoleAndProblemPodsWithTheirReasonsHonouringIgnoreRules() {
    // Given a cluster with one NotReady platform node, a virtual node on the old version, and a lame-duck node
    create(
        node("api-platform-cluster-us-east1-b", "v1.31.2", true,
            n -> n.editMetadata().addToLabels("node-role.kubernetes.io/control-plane", "").endMetadata()),
        node("mlab1-lga03.mlab-oti.measurement-lab.org", "v1.31.2", true, n -> n),
        node("mlab2-lga03.mlab-oti.measurement-lab.org", "v1.31.2", false, n -> n),
        node("mlab3-lga03.mlab-oti.measurement-lab.org", "v1.30.5", false,
            n -> n.withNewSpec().addNewTaint().withKey("lame-duck").withEffect("NoSchedule").endTaint().endSpec()),
        node("vm-1.mlab-oti.measurement-lab.org", "v1.30.5", true,
            n -> n.editMetadata().addToLabels("mlab/type", "virtual").endMetadata()));
    // And pods: one crash-looping, one unschedulable, and failing pods that the rules ignore
    create(
        pod("web", "web-1", "mlab1-lga03.mlab-oti.measurement-lab.org", ClusterHealthCheckTest::crashLooping),
        pod("web", "web-2", "mlab1-lga03.mlab-oti.measurement-lab.org", p -> p),
        pod("batch", "report-1", "mlab1-lga03.mlab-oti.measurement-lab.org", p -> p.editStatus().withPhase("Succeeded").endStatus()),
        pod("web", "web-3", null, p -> p.editStatus().withPhase("Pending").addNewCondition().withType("PodScheduled")
            .withStatus("False").withReason("Unschedulable").withMessage("0/5 nodes are available").endCondition().endStatus()),
        pod("sandbox", "experiment", "mlab1-lga03.mlab-oti.measurement-lab.org", ClusterHealthCheckTest::crashLooping),
        pod("web", "canary", "mlab1-lga03.mlab-oti.measurement-lab.org",
            p -> crashLooping(p.editMetadata().addToLabels("health", "ignore").endMetadata())),
        pod("web", "on-lame-duck", "mlab3-lga03.mlab-oti.measurement-lab.org", ClusterHealthCheckTest::crashLooping));
    HealthRules rules = new HealthRules("node-role.kubernetes.io/control-plane", "mlab/type=virtual",
        List.of("sandbox"), List.of("health=ignore"), List.of("lame-duck"), 500);

    // When health is checked
    HealthReport report = new ClusterHealthCheck(client, rules).check(TARGET);

    // Then nodes are counted by role, the lame-duck node left out
    assertThat(report.roles()).containsExactly(
        new RoleHealth("control-plane", 1, 1, 1), new RoleHealth("platform", 2, 1, 1), new RoleHealth("virtual", 1, 1, 0));
    assertThat(report.nodesTotal()).isEqualTo(4);
    assertThat(report.nodesAtTarget()).isEqualTo(2);
    // And the problems come worst first, ignored ones left out
    assertThat(report.problems()).containsExactly(
        "node mlab2-lga03.mlab-oti.measurement-lab.org NotReady (platform)",
        "pod web/web-1 CrashLoopBackOff (container main, 7 restarts)",
        "pod web/web-3 Pending: Unschedulable: 0/5 nodes are available");
    assertThat(report.problemsTotal()).isEqualTo(3);
    assertThat(report.converged()).isFalse();
  }

  @Test
  void aHealthyClusterAtTheTargetHasConverged() {
    create(node("mlab1-lga03.mlab-oti.measurement-lab.org", "v1.31.2", true, n -> n));
    create(pod("web", "web-1", "mlab1-lga03.mlab-oti.measurement-lab.org", p -> p));

    HealthReport report = new ClusterHealthCheck(client, HealthRules.DEFAULT).check(TARGET);

    assertThat(report.converged()).isTrue();
    assertThat(report.summary()).isEqualTo("1/1 node at target, 1 Ready");
  }

  @Test
  void onlyTheWorstProblemsAreKeptButAllAreCounted() {
    create(node("mlab1-lga03.mlab-oti.measurement-lab.org", "v1.31.2", true, n -> n));
    for (int i = 0; i < 30; i++) {
      create(pod("web", "web-" + i, "mlab1-lga03.mlab-oti.measurement-lab.org", ClusterHealthCheckTest::crashLooping));
    }

    HealthReport report = new ClusterHealthCheck(client, HealthRules.DEFAULT).check(TARGET);

    assertThat(report.problems()).hasSize(HealthReport.MAX_PROBLEMS);
    assertThat(report.problemsTotal()).isEqualTo(30);
    assertThat(report.summary()).startsWith("1/1 node at target, 1 Ready; 30 problems, e.g. pod web/web-");
  }
}
