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
 * time. A program that prints numbers, not a test: see README, "Benchmarks".
 */
public final class RebootBenchmark {

  static final Duration R = Duration.ofMinutes(10);
  static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.31.2");

  private RebootBenchmark() {}

  public static void main(String[] args) {
    for (int canary : new int[] {0, 1}) {
      run(canary);
    }
    System.exit(0);
  }

  private static void run(int canary) {
    SimulatedFleet fleet = new SimulatedFleet(List.of(new SimulatedStage("production", "mlab-oti", "us-east1",
        List.of("b", "c", "d"), "api-platform-cluster-{region}-{zone}", ReleaseVersion.parse("v1.30.5"), 150, 4, 0)),
        SimulatedTiming.INSTANT, List.of());
    fleet.imagesBuilt("production", TARGET);
    fleet.rebootTimes(R, 0.10, 3);
    List<PlatformNode> nodes = fleet.inventory("production").platformNodes();
    SimulatedNodeReboots reboots = new SimulatedNodeReboots(fleet);
    Map<String, Double> time = new HashMap<>();
    nodes.forEach(n -> time.put(n.name(), reboots.rebootTime(n.name()).toMillis() / (double) R.toMillis()));

    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder();
    SearchAttributes.ALL.forEach(k -> options.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    long wall = System.nanoTime();
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(options.build())) {
      Worker worker = env.newWorker(FleetWorkflows.TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(FleetWorkflows.implementations());
      worker.registerActivitiesImplementations(fleet.activities().toArray());
      env.start();
      NodeRolloutWorkflow rollout = env.getWorkflowClient().newWorkflowStub(NodeRolloutWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId("benchmark/production/rollout").setTaskQueue(FleetWorkflows.TASK_QUEUE)
              .build());
      rollout.run(NodeRollout.start("production", TARGET, new WindowLimits(60, 1, canary, 2), Duration.ofHours(1), nodes,
          null, false));
    }
    double makespan = fleet.rebootSpan("production").toMillis() / (double) R.toMillis();
    double total = time.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Double> perSite = new HashMap<>();
    nodes.forEach(n -> perSite.merge(n.site(), time.get(n.name()), Double::sum));
    double bound = Math.max(total / 60, perSite.values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
    double waves = WavePlanner.plan(nodes, new RebootBudget(60, 1, Duration.ofMinutes(30))).stream()
        .mapToDouble(w -> w.stream().mapToDouble(time::get).max().orElse(0)).sum();
    long stragglers = time.values().stream().filter(t -> t > 1).count();
    System.out.printf("rolling reboot of %d nodes (%d sites x 4), 60 at once, 1 per site, %d at 3x, canary %d:%n",
        nodes.size(), perSite.size(), stragglers, canary);
    System.out.printf("  sliding window  %6.1f R   (ratio to the lower bound %.3f; goal 1.15)%n", makespan, makespan / bound);
    System.out.printf("  lower bound     %6.1f R   (max of total work / 60 and the slowest site's work)%n", bound);
    System.out.printf("  reboot waves    %6.1f R   (each wave waits for its slowest node)%n", waves);
    System.out.printf("  kured           %6.1f R+  (one node at a time, plus its hourly pick-up)%n", total);
    System.out.printf("  wall time       %6.1f s   on the time-skipping test server%n", (System.nanoTime() - wall) / 1e9);
  }
}
