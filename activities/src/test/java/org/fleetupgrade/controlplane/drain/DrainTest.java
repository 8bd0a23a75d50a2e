package org.fleetupgrade.controlplane.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Draining against the mock API server in expectations mode: its CRUD mode ignores field selectors
 * other than name/namespace, paging and eviction (STACK.md), so those responses are set up here.
 */
@EnableKubernetesMockClient
class DrainTest {

  private static final String NODE = "api-platform-cluster-us-east1-b";
  private static final String PODS = "/api/v1/pods?fieldSelector=spec.nodeName%3D" + NODE + "&limit=500";
  private static final DrainSettings QUICK = new DrainSettings(Duration.ofMillis(600), Duration.ofMillis(50), false);

  KubernetesMockServer server;
  KubernetesClient mockClient;
  private KubernetesClient client;

  @BeforeEach
  void clientWithoutItsOwn429Retries() {
    // The client retries 429s itself for ~19 s by default; the drainer handles budgets on its own.
    client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(mockClient.getConfiguration())
        .withRequestRetryBackoffLimit(0).build()).build();
    var node = new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build();
    server.expect().get().withPath("/api/v1/nodes/" + NODE).andReturn(200, node).always();
    server.expect().patch().withPath("/api/v1/nodes/" + NODE).andReturn(200, node).always();
  }

  @AfterEach
  void close() {
    client.close();
  }

  private static Pod pod(String namespace, String name, UnaryOperator<PodBuilder> shape) {
    return shape.apply(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).withUid(name + "-uid")
        .endMetadata().withNewSpec().withNodeName(NODE).endSpec()).build();
  }

  private static PodBuilder ownedBy(PodBuilder pod, String kind, String name) {
    return pod.editMetadata().addNewOwnerReference().withKind(kind).withName(name).withController(true)
        .withApiVersion("apps/v1").withUid(name + "-uid").endOwnerReference().endMetadata();
  }

  private void podsOnNode(Pod... pods) {
    server.expect().get().withPath(PODS).andReturn(200, new PodListBuilder().withItems(pods).build()).once();
  }

  private void evictionAccepted(String namespace, String name) {
    server.expect().post().withPath("/api/v1/namespaces/" + namespace + "/pods/" + name + "/eviction")
        .andReturn(201, "{}").once();
  }

  private void evictionRefused(String namespace, String name, int times) {
    server.expect().post().withPath("/api/v1/namespaces/" + namespace + "/pods/" + name + "/eviction")
        .andReturn(429, """
            {"kind":"Status","apiVersion":"v1","status":"Failure","code":429,"reason":"TooManyRequests",
             "message":"Cannot evict pod as it would violate the pod's disruption budget.",
             "details":{"causes":[{"reason":"DisruptionBudget",
               "message":"The disruption budget web-pdb needs 2 healthy pods and has 2 currently"}]}}
            """).times(times);
  }

  @Test
  void drainLeavesDaemonSetAndMirrorPodsAndEvictsTheRestIncludingEmptyDir() {
    // Given a node with a DaemonSet pod, a static (mirror) pod, a ReplicaSet pod and one using emptyDir
    podsOnNode(
        pod("kube-system", "kube-proxy-x", p -> ownedBy(p, "DaemonSet", "kube-proxy")),
        pod("kube-system", "kube-apiserver-" + NODE, p -> p.editMetadata()
            .addToAnnotations(NodeDrainer.MIRROR_ANNOTATION, "abc").endMetadata()),
        pod("web", "web-1", p -> ownedBy(p, "ReplicaSet", "web-7d9")),
        pod("cache", "cache-0", p -> ownedBy(p, "StatefulSet", "cache").editSpec().addNewVolume().withName("scratch")
            .withNewEmptyDir().endEmptyDir().endVolume().endSpec()));
    evictionAccepted("web", "web-1");
    evictionAccepted("cache", "cache-0");

    // When it is drained
    EvictionResult result = new NodeDrainer(client, QUICK).drain(NODE);

    // Then only the managed pods were evicted, and the others are reported as left alone on purpose
    assertThat(result.complete()).isTrue();
    assertThat(result.evicted()).containsExactly("web/web-1", "cache/cache-0");
    assertThat(result.leftAlone()).containsExactly("kube-system/kube-proxy-x (DaemonSet kube-proxy)",
        "kube-system/kube-apiserver-" + NODE + " (mirror pod)");
  }

  @Test
  void anEvictionABudgetRefusesIsRetriedUntilItIsAllowed() {
    // Given a pod whose budget refuses twice, then allows
    podsOnNode(pod("web", "web-1", p -> ownedBy(p, "ReplicaSet", "web-7d9")));
    evictionRefused("web", "web-1", 2);
    evictionAccepted("web", "web-1");

    // When the node is drained, then the pod is evicted in the end
    EvictionResult result = new NodeDrainer(client, new DrainSettings(Duration.ofSeconds(5), Duration.ofMillis(20), false))
        .drain(NODE);

    assertThat(result.complete()).isTrue();
    assertThat(result.evicted()).containsExactly("web/web-1");
  }

  @Test
  void aBudgetThatBlocksPastTheTimeoutIsReportedWithPodNamespaceAndBudget() {
    // Given a pod whose budget never allows an eviction
    podsOnNode(pod("web", "web-1", p -> ownedBy(p, "ReplicaSet", "web-7d9")),
        pod("web", "web-2", p -> ownedBy(p, "ReplicaSet", "web-7d9")));
    evictionAccepted("web", "web-2");
    server.expect().post().withPath("/api/v1/namespaces/web/pods/web-1/eviction").andReturn(429, """
        {"kind":"Status","apiVersion":"v1","status":"Failure","code":429,
         "message":"Cannot evict pod as it would violate the pod's disruption budget.",
         "details":{"causes":[{"reason":"DisruptionBudget",
           "message":"The disruption budget web-pdb needs 2 healthy pods and has 2 currently"}]}}
        """).always();

    // When the drain runs out of time
    EvictionResult result = new NodeDrainer(client, QUICK).drain(NODE);

    // Then the report names what blocked
    assertThat(result.complete()).isFalse();
    assertThat(result.evicted()).containsExactly("web/web-2");
    assertThat(result.blocked()).containsExactly(
        new BlockedPod("web", "web-1", "The disruption budget web-pdb needs 2 healthy pods and has 2 currently"));
  }

  @Test
  void aPodWithoutAControllerIsRefusedByNameAndNothingIsEvicted() {
    // Given a bare pod beside a managed one
    podsOnNode(pod("default", "debug-shell", p -> p), pod("web", "web-1", p -> ownedBy(p, "ReplicaSet", "web-7d9")));

    // When the node is drained without force, then the drain refuses, naming the pod; the node is
    // uncordoned again (it serves as before), and the error says so
    assertThatThrownBy(() -> new NodeDrainer(client, QUICK).drain(NODE))
        .isInstanceOf(DrainException.class)
        .hasMessage("refusing to drain " + NODE + ": default/debug-shell has no controller, so nothing would recreate"
            + " it; delete by hand or allow force in the config. " + NODE + " was uncordoned again: it serves as before");
    assertThat(patches()).containsExactly("{\"spec\":{\"unschedulable\":true}}", "{\"spec\":{\"unschedulable\":false}}");
  }

  @Test
  void aRefusedDrainOfANodeSomeoneHadCordonedLeavesItCordoned() {
    String other = "api-platform-cluster-us-east1-c";
    var cordoned = new NodeBuilder().withNewMetadata().withName(other).endMetadata().withNewSpec().withUnschedulable(true)
        .endSpec().build();
    server.expect().get().withPath("/api/v1/nodes/" + other).andReturn(200, cordoned).always();
    server.expect().patch().withPath("/api/v1/nodes/" + other).andReturn(200, cordoned).always();
    server.expect().get().withPath("/api/v1/pods?fieldSelector=spec.nodeName%3D" + other + "&limit=500")
        .andReturn(200, new PodListBuilder().withItems(pod("default", "debug-shell", p -> p)).build()).once();

    assertThatThrownBy(() -> new NodeDrainer(client, QUICK).drain(other))
        .hasMessageEndingWith(other + " stays cordoned, as it was before this drain");
    assertThat(patches()).doesNotContain("{\"spec\":{\"unschedulable\":false}}");
  }

  @Test
  void aRefusedDrainLeavesTheNodeCordonedWhenTheConfigSaysSo() {
    podsOnNode(pod("default", "debug-shell", p -> p));
    DrainSettings keep = new DrainSettings(Duration.ofMillis(600), Duration.ofMillis(50), false, true);

    assertThatThrownBy(() -> new NodeDrainer(client, keep).drain(NODE))
        .hasMessageEndingWith(NODE + " is left cordoned (drain.keepCordonedOnRefusal): uncordon it by hand when done");
    assertThat(patches()).containsExactly("{\"spec\":{\"unschedulable\":true}}");
  }

  @Test
  void afterAnAbortACordonedNodeIsUncordonedOnlyIfReady() {
    for (String ready : List.of("True", "False")) {
      String name = "api-platform-cluster-us-east1-" + (ready.equals("True") ? "c" : "d");
      var node = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withUnschedulable(true)
          .endSpec().withNewStatus().addNewCondition().withType("Ready").withStatus(ready).endCondition()
          .withNewNodeInfo().withKubeletVersion("v1.34.4").endNodeInfo().endStatus().build();
      server.expect().get().withPath("/api/v1/nodes/" + name).andReturn(200, node).always();
      server.expect().patch().withPath("/api/v1/nodes/" + name).andReturn(200, node).always();
    }
    NodeDrainer drainer = new NodeDrainer(client, QUICK);

    assertThat(drainer.uncordonIfReady("api-platform-cluster-us-east1-c"))
        .isEqualTo("api-platform-cluster-us-east1-c uncordoned: it is Ready (kubelet v1.34.4)");
    assertThat(drainer.uncordonIfReady("api-platform-cluster-us-east1-d"))
        .isEqualTo("api-platform-cluster-us-east1-d is left cordoned: it is not Ready");
    assertThat(patches()).containsExactly("{\"spec\":{\"unschedulable\":false}}");
  }

  /** The bodies of the PATCH requests the mock server received, in order. */
  private List<String> patches() {
    List<String> bodies = new java.util.ArrayList<>();
    int count = server.getRequestCount();
    for (int i = 0; i < count; i++) {
      try {
        var request = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
        if (request != null && "PATCH".equals(request.getMethod())) {
          bodies.add(request.getBody().readUtf8());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return bodies;
  }

  @Test
  void forceEvictsAPodWithoutAController() {
    podsOnNode(pod("default", "debug-shell", p -> p));
    evictionAccepted("default", "debug-shell");

    EvictionResult result = new NodeDrainer(client, new DrainSettings(Duration.ofSeconds(2), Duration.ofMillis(20), true))
        .drain(NODE);

    assertThat(result.evicted()).containsExactly("default/debug-shell");
  }

  @Test
  void podsAreListedPageByPage() {
    // Given the node's pods come in two pages
    server.expect().get().withPath(PODS).andReturn(200, new PodListBuilder()
        .withMetadata(new ListMetaBuilder().withContinue("page-2").build())
        .withItems(pod("web", "web-1", p -> ownedBy(p, "ReplicaSet", "web-7d9"))).build()).once();
    server.expect().get().withPath("/api/v1/pods?continue=page-2&fieldSelector=spec.nodeName%3D" + NODE + "&limit=500").andReturn(200, new PodListBuilder()
        .withItems(pod("web", "web-2", p -> ownedBy(p, "ReplicaSet", "web-7d9"))).build()).once();

    // When the pods for eviction are listed, then both pages are read
    PodsForEviction pods = new NodeDrainer(client, QUICK).podsForEviction(NODE);

    assertThat(pods.toEvict()).extracting(p -> p.getMetadata().getName()).containsExactly("web-1", "web-2");
    assertThat(List.copyOf(pods.unmanaged())).isEmpty();
  }
}
