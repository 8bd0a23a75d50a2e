package org.fleetupgrade.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.health.ClusterHealthCheckTest.node;
import static org.fleetupgrade.health.ClusterHealthCheckTest.pod;

import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.NodeListBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paging (limit + continue), which the mock's CRUD mode ignores, in expectations mode. */
@EnableKubernetesMockClient
class HealthPagingTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void nodesAndPodsAreReadAcrossSeveralPages() {
    // Given three pages of nodes and two of pods, two items a page
    server.expect().get().withPath("/api/v1/nodes?limit=2").andReturn(200, new NodeListBuilder()
        .withMetadata(new ListMetaBuilder().withContinue("n2").build())
        .withItems(node("n1", "v1.31.2", true, n -> n), node("n2", "v1.31.2", true, n -> n)).build()).once();
    server.expect().get().withPath("/api/v1/nodes?continue=n2&limit=2").andReturn(200, new NodeListBuilder()
        .withMetadata(new ListMetaBuilder().withContinue("n4").build())
        .withItems(node("n3", "v1.31.2", true, n -> n), node("n4", "v1.30.5", true, n -> n)).build()).once();
    server.expect().get().withPath("/api/v1/nodes?continue=n4&limit=2").andReturn(200, new NodeListBuilder()
        .withItems(node("n5", "v1.31.2", false, n -> n)).build()).once();
    server.expect().get().withPath("/api/v1/pods?limit=2").andReturn(200, new PodListBuilder()
        .withMetadata(new ListMetaBuilder().withContinue("p2").build())
        .withItems(pod("web", "a", "n1", p -> p), pod("web", "b", "n1", p -> p)).build()).once();
    server.expect().get().withPath("/api/v1/pods?continue=p2&limit=2").andReturn(200, new PodListBuilder()
        .withItems(pod("web", "c", "n2", ClusterHealthCheckTest::crashLooping)).build()).once();

    // When health is checked two items at a time
    HealthReport report = new ClusterHealthCheck(client, new HealthRules("node-role.kubernetes.io/control-plane",
        "mlab/type=virtual", List.of(), List.of(), List.of(), 2)).check(ClusterHealthCheckTest.TARGET);

    // Then every page was read
    assertThat(report.nodesTotal()).isEqualTo(5);
    assertThat(report.nodesReady()).isEqualTo(4);
    assertThat(report.nodesAtTarget()).isEqualTo(3);
    assertThat(report.problems()).containsExactly("node n5 NotReady (platform)",
        "pod web/c CrashLoopBackOff (container main, 7 restarts)");
  }
}
