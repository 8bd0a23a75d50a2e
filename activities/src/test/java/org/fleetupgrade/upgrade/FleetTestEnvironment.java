package org.fleetupgrade.upgrade;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.reboot.rollout.TemporalNodeLauncher;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;

/**
 * The Temporal test server (in process, time skipping) with the search attributes registered and a
 * worker running the real workflows over a simulated fleet: what every workflow test starts from.
 */
final class FleetTestEnvironment implements AutoCloseable {

  static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");
  static final ReleaseVersion CURRENT = ReleaseVersion.parse("v1.30.5");
  /** A Wednesday: far from the Tuesday window, so window tests really wait. */
  static final Instant START = Instant.parse("2026-11-25T10:00:00Z");

  /** Test time between two looks at the status: fine enough to catch a gate, coarse enough for a week. */
  static final Duration POLL_STEP = Duration.ofMinutes(20);
  /** Wall time a skip of test time may take: seconds when time skips, minutes only if it is stuck. */
  private static final Duration SKIP_LIMIT = Duration.ofSeconds(60);
  private static final java.util.concurrent.ExecutorService SLEEPER =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-time-skip");
        t.setDaemon(true);
        return t;
      });

  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final SimulatedFleet fleet;

  FleetTestEnvironment(List<SimulatedStage> stages, List<SimulatedFault> faults) {
    this(stages, faults, SimulatedTiming.INSTANT);
  }

  FleetTestEnvironment(List<SimulatedStage> stages, List<SimulatedFault> faults, SimulatedTiming timing) {
    this(stages, faults, timing, List.of());
  }

  /** {@code urgentNotes}: what the simulated changelog reports; any makes the upgrade wait for acknowledge. */
  FleetTestEnvironment(List<SimulatedStage> stages, List<SimulatedFault> faults, SimulatedTiming timing,
      List<String> urgentNotes) {
    this(new SimulatedFleet(stages, timing, faults, urgentNotes, message -> { }), null);
  }

  /** The workflows over the given activity implementations (real adapters): no simulated fleet. */
  FleetTestEnvironment(List<Object> activities) {
    this(null, activities);
  }

  private FleetTestEnvironment(SimulatedFleet fleet, List<Object> activities) {
    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder().setInitialTime(START);
    SearchAttributes.ALL.forEach(k -> options.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    env = TestWorkflowEnvironment.newInstance(options.build());
    this.fleet = fleet;
    Worker worker = env.newWorker(FleetWorkflows.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(FleetWorkflows.implementations());
    List<Object> all = new java.util.ArrayList<>(fleet == null ? activities : fleet.activities());
    all.add(new TemporalNodeLauncher(env.getWorkflowClient()));
    worker.registerActivitiesImplementations(all.toArray());
    env.start();
    client = env.getWorkflowClient();
  }

  static SimulatedStage simulated(String name, int sites, int nodesPerSite) {
    return new SimulatedStage(name, "mlab-" + name, "us-east1", List.of("b", "c", "d"),
        "api-platform-cluster-{region}-{zone}", CURRENT, sites, nodesPerSite, 1);
  }

  static StagePlan plan(String name, PromotionPolicy promotion) {
    return new StagePlan(name, "mlab-" + name, "us-east1", List.of("b", "c", "d"), Duration.ofHours(2),
        new RebootBudget(10, 1, Duration.ofMinutes(30)), promotion);
  }

  static UpgradeRequest request(StagePlan... stages) {
    return new UpgradeRequest(TARGET, List.of(stages));
  }

  Instant now() {
    return Instant.ofEpochMilli(env.currentTimeMillis());
  }

  FleetUpgradeWorkflow start(UpgradeRequest request) {
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(request.workflowId())
        .setTaskQueue(FleetWorkflows.TASK_QUEUE)
        .build());
    WorkflowClient.start(upgrade::run, request);
    return upgrade;
  }

  /** Waits (time skipping) for the upgrade to finish and returns its final report. */
  FleetStatus result(FleetUpgradeWorkflow upgrade) {
    awaitStatus(upgrade, s -> s.state().finished());
    return WorkflowStub.fromTyped(upgrade).getResult(FleetStatus.class);
  }

  /**
   * Polls the status query until {@code condition} holds. Time skipping stays on, so durable
   * timers (soaks, windows) fire while the test waits; the wall-clock deadline is only a safety net.
   */
  FleetStatus awaitStatus(FleetUpgradeWorkflow upgrade, Predicate<FleetStatus> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      FleetStatus status = upgrade.status();
      if (condition.test(status)) {
        return status;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("status never matched; last: " + status + "\n" + env.getDiagnostics());
      }
      skip(POLL_STEP);
    }
  }

  /**
   * Moves test time by {@code step}. The test server skips time only while nothing holds its
   * time-skipping lock (a workflow task or an activity under way); should a lock leak, the sleep
   * would run in wall time (20 minutes), so it is bounded and fails with the server's diagnostics.
   */
  void skip(Duration step) {
    java.util.concurrent.Future<?> sleeping = SLEEPER.submit(() -> env.sleep(step));
    try {
      sleeping.get(SKIP_LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException stuck) {
      sleeping.cancel(true);
      throw new AssertionError("test time did not move " + step + " within " + SKIP_LIMIT
          + " of wall time: something holds the test server's time-skipping lock\n" + env.getDiagnostics()
          + "\nTHREADS\n" + threads());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e.getCause());
    }
  }

  /**
   * Polls the status query without moving test time, for progress that activities make in wall
   * time (a rolling reboot under way); each query is the wait between two looks.
   */
  FleetStatus awaitProgress(FleetUpgradeWorkflow upgrade, Predicate<FleetStatus> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      FleetStatus status = upgrade.status();
      if (condition.test(status)) {
        return status;
      }
      if (status.state().finished() || System.nanoTime() > deadline) {
        throw new AssertionError("progress never matched; last: " + status);
      }
    }
  }

  private static String threads() {
    StringBuilder out = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      out.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
      for (StackTraceElement e : stack) {
        out.append("    at ").append(e).append('\n');
      }
    });
    return out.toString();
  }

  @Override
  public void close() {
    env.close();
  }
}
