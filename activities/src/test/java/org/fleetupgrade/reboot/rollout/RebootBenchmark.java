package org.fleetupgrade.reboot.rollout;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.reboot.WavePlanner;
import org.fleetupgrade.reboot.window.WindowLimits;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedNodeReboots;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.upgrade.FleetWorkflows;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * Prints the makespan of a rolling reboot on the time-skipping test server over the simulated
 * fleet: 600 nodes (150 sites x 4), 60 at once, 1 per site, 10% of nodes at 3x the mean reboot time
 * R; against the lower bound for that budget, reboot waves on the same draw, and kured one node at a
 * time. Then the next upgrade on the same fleet, each node's last reboot time kept on it by the
 * first. A program that prints numbers, not a test: see README, "Benchmarks".
 */
public final class RebootBenchmark {

  static final Duration R = Duration.ofMinutes(10);
  static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.31.2");
  /** The upgrade after: each node's reboot time from the first is on the node by then. */
  static final ReleaseVersion NEXT = ReleaseVersion.parse("v1.32.0");

  private RebootBenchmark() {}

  public static void main(String[] args) {
    for (int canary : new int[] {0, 1}) {
      run(canary);
    }
    System.exit(0);
  }

  /** The rollout's policy on its own: pages in name order, the next node as soon as one is back. */
  static double policyAlone(List<PlatformNode> nodes, Map<String, Double> time, WindowLimits limits) {
    List<PlatformNode> byName = nodes.stream().sorted(java.util.Comparator.comparing(PlatformNode::name)).toList();
    org.fleetupgrade.reboot.window.RebootWindow window = new org.fleetupgrade.reboot.window.RebootWindow(limits)
        .mostLeftFirst();
    record End(double at, String node) {}
    java.util.PriorityQueue<End> ends = new java.util.PriorityQueue<>((a, b) -> Double.compare(a.at, b.at));
    double now = 0;
    int read = 0;
    while (true) {
      while (read < byName.size() && window.remaining() < NodeRolloutWorkflowImpl.PAGE) {
        window.add(byName.subList(read, Math.min(byName.size(), read + NodeRolloutWorkflowImpl.PAGE)));
        read = Math.min(byName.size(), read + NodeRolloutWorkflowImpl.PAGE);
      }
      if (window.finished() && read >= byName.size()) {
        return now;
      }
      if (window.canaryDone()) {
        window.open();
      }
      for (String node : window.next()) {
        ends.add(new End(now + time.get(node), node));
      }
      End end = ends.poll();
      now = end.at();
      window.finished(end.node(), org.fleetupgrade.reboot.window.NodeFate.REBOOTED);
    }
  }

  /** Reference: with every node's reboot time known in advance, the slowest go first (same budget, 1 per site). */
  static double slowestFirst(List<PlatformNode> nodes, Map<String, Double> time, int slots) {
    List<PlatformNode> pending = new java.util.ArrayList<>(nodes);
    pending.sort(java.util.Comparator.comparing((PlatformNode n) -> -time.get(n.name())).thenComparing(PlatformNode::name));
    java.util.Set<String> busySites = new java.util.HashSet<>();
    record End(double at, PlatformNode node) {}
    java.util.PriorityQueue<End> ends = new java.util.PriorityQueue<>((a, b) -> Double.compare(a.at, b.at));
    double now = 0;
    while (!pending.isEmpty() || !ends.isEmpty()) {
      for (java.util.Iterator<PlatformNode> it = pending.iterator(); it.hasNext() && ends.size() < slots; ) {
        PlatformNode n = it.next();
        if (busySites.add(n.site())) {
          ends.add(new End(now + time.get(n.name()), n));
          it.remove();
        }
      }
      End end = ends.poll();
      now = end.at();
      busySites.remove(end.node().site());
    }
    return now;
  }

  private static void rollout(TestWorkflowEnvironment env, ReleaseVersion target, int canary) {
    NodeRolloutWorkflow rollout = env.getWorkflowClient().newWorkflowStub(NodeRolloutWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("benchmark-" + target + "/production/rollout")
            .setTaskQueue(FleetWorkflows.TASK_QUEUE).build());
    rollout.run(NodeRollout.start("production", target, new WindowLimits(60, 1, canary, 2), Duration.ofHours(1),
        null, false));
  }

  private static void run(int canary) {
    SimulatedFleet fleet = new SimulatedFleet(List.of(new SimulatedStage("production", "mlab-oti", "us-east1",
        List.of("b", "c", "d"), "api-platform-cluster-{region}-{zone}", ReleaseVersion.parse("v1.30.5"), 150, 4, 0)),
        SimulatedTiming.INSTANT, List.of());
    fleet.imagesBuilt("production", TARGET);
    fleet.rebootTimes(R, 0.10, 3);
    List<PlatformNode> nodes = fleet.platformNodes("production");
    SimulatedNodeReboots reboots = new SimulatedNodeReboots(fleet);
    Map<String, Double> time = new HashMap<>();
    nodes.forEach(n -> time.put(n.name(), reboots.rebootTime(n.name()).toMillis() / (double) R.toMillis()));

    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder();
    SearchAttributes.ALL.forEach(k -> options.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    long wall = System.nanoTime();
    double first;
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(options.build())) {
      Worker worker = env.newWorker(FleetWorkflows.TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(FleetWorkflows.implementations());
      worker.registerActivitiesImplementations(fleet.activities().toArray());
      worker.registerActivitiesImplementations(new TemporalNodeLauncher(env.getWorkflowClient()));
      env.start();
      rollout(env, TARGET, canary);
      first = fleet.rebootSpan("production").toMillis() / (double) R.toMillis();
      fleet.imagesBuilt("production", NEXT);
      fleet.newRebootSpan("production");
      rollout(env, NEXT, canary);
    }
    double makespan = first;
    double next = fleet.rebootSpan("production").toMillis() / (double) R.toMillis();
    double total = time.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Double> perSite = new HashMap<>();
    nodes.forEach(n -> perSite.merge(n.site(), time.get(n.name()), Double::sum));
    double bound = Math.max(total / 60, perSite.values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
    double waves = WavePlanner.plan(nodes, new RebootBudget(60, 1, Duration.ofMinutes(30))).stream()
        .mapToDouble(w -> w.stream().mapToDouble(time::get).max().orElse(0)).sum();
    long stragglers = time.values().stream().filter(t -> t > 1).count();
    System.out.printf("rolling reboot of %d nodes (%d sites x 4), 60 at once, 1 per site, %d at 3x, canary %d:%n",
        nodes.size(), perSite.size(), stragglers, canary);
    System.out.printf("  sliding window  %6.1f R   (ratio to the lower bound %.3f; goal 1.15): first upgrade, no reboot"
        + " time known%n", makespan, makespan / bound);
    System.out.printf("  next upgrade    %6.1f R   (ratio %.3f): each node's last reboot time known, slowest first%n",
        next, next / bound);
    double policy = policyAlone(nodes, time, new WindowLimits(60, 1, canary, 2));
    System.out.printf("  policy alone    %6.1f R   (the window's choices with nodes seen back at once, no workflow)%n", policy);
    System.out.printf("  knowing times   %6.1f R   (offline: slowest nodes first, same budget; the first upgrade cannot know"
        + " them)%n",
        slowestFirst(nodes, time, 60));
    System.out.printf("  lower bound     %6.1f R   (max of total work / 60 and the slowest site's work)%n", bound);
    System.out.printf("  reboot waves    %6.1f R   (each wave waits for its slowest node)%n", waves);
    System.out.printf("  kured           %6.1f R+  (one node at a time, plus its hourly pick-up)%n", total);
    System.out.printf("  wall time       %6.1f s   on the time-skipping test server%n", (System.nanoTime() - wall) / 1e9);
  }
}
