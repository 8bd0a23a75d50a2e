package org.fleetupgrade.health;

import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeListBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * Prints the wall time and heap of one health check of a large cluster: 5,000 nodes and 50,000 pods
 * served by the mock API server in pages of 500 (targets: under 5 s and under 256 MB heap). A
 * program that prints numbers, not a test: see README, "Benchmarks", for the command.
 */
public final class HealthCheckBenchmark {

  private static final int NODES = 5_000;
  private static final int PODS = 50_000;
  private static final int PAGE = 500;

  private HealthCheckBenchmark() {}

  public static void main(String[] args) {
    // The mock server logs every request; 110 pages of that would bury the numbers.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init();
    try (KubernetesClient client = server.createClient()) {
      serveNodes(server, client);
      servePods(server, client);
      System.gc();
      long before = usedHeap();
      heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);

      long start = System.nanoTime();
      HealthReport report = new ClusterHealthCheck(client, HealthRules.DEFAULT).check(ReleaseVersion.parse("v1.31.2"));
      long millis = (System.nanoTime() - start) / 1_000_000;

      long peak = heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
      System.out.printf("health check of %,d nodes and %,d pods in pages of %d%n", NODES, PODS, PAGE);
      System.out.printf("  wall time        %,d ms   (target < 5,000 ms)%n", millis);
      System.out.printf("  heap before      %,d MB   (the canned API responses live here too)%n", before >> 20);
      System.out.printf("  heap peak        %,d MB   (target < 256 MB)%n", peak >> 20);
      System.out.printf("  report           %s; %d problems kept of %d%n", report.summary(), report.problems().size(),
          report.problemsTotal());
    } finally {
      server.destroy();
    }
  }

  private static void serveNodes(KubernetesMockServer server, KubernetesClient client) {
    for (int page = 0; page * PAGE < NODES; page++) {
      List<Node> items = new ArrayList<>();
      for (int i = page * PAGE; i < Math.min(NODES, (page + 1) * PAGE); i++) {
        items.add(ClusterHealthCheckTest.node("mlab" + (i % 4 + 1) + "-site" + (i / 4) + ".mlab-oti.measurement-lab.org",
            i % 97 == 0 ? "v1.30.5" : "v1.31.2", i % 501 != 0, n -> n));
      }
      boolean last = (page + 1) * PAGE >= NODES;
      String json = client.getKubernetesSerialization().asJson(new NodeListBuilder()
          .withMetadata(new ListMetaBuilder().withContinue(last ? null : "n" + (page + 1)).build()).withItems(items).build());
      server.expect().get().withPath("/api/v1/nodes?" + (page == 0 ? "" : "continue=n" + page + "&") + "limit=" + PAGE)
          .andReturn(200, json).once();
    }
  }

  private static void servePods(KubernetesMockServer server, KubernetesClient client) {
    for (int page = 0; page * PAGE < PODS; page++) {
      List<Pod> items = new ArrayList<>();
      for (int i = page * PAGE; i < Math.min(PODS, (page + 1) * PAGE); i++) {
        String node = "mlab" + (i % 4 + 1) + "-site" + (i % NODES / 4) + ".mlab-oti.measurement-lab.org";
        items.add(ClusterHealthCheckTest.pod("ns-" + (i % 50), "pod-" + i, node,
            i % 1000 == 0 ? ClusterHealthCheckTest::crashLooping : p -> p));
      }
      boolean last = (page + 1) * PAGE >= PODS;
      String json = client.getKubernetesSerialization().asJson(new PodListBuilder()
          .withMetadata(new ListMetaBuilder().withContinue(last ? null : "p" + (page + 1)).build()).withItems(items).build());
      server.expect().get().withPath("/api/v1/pods?" + (page == 0 ? "" : "continue=p" + page + "&") + "limit=" + PAGE)
          .andReturn(200, json).once();
    }
  }

  private static List<MemoryPoolMXBean> heapPools() {
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
  }

  private static long usedHeap() {
    return heapPools().stream().mapToLong(p -> p.getUsage().getUsed()).sum();
  }
}
