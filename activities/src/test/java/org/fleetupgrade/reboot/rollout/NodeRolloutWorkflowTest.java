package org.fleetupgrade.reboot.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.reboot.RebootSummary;
import org.fleetupgrade.reboot.window.WindowLimits;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.upgrade.FleetWorkflows;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sliding-window rollout over the simulated fleet, in server time (time skipping). */
class NodeRolloutWorkflowTest {

  static final ReleaseVersion OLD = ReleaseVersion.parse("v1.30.5");
  static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.31.2");
  static final String STAGE = "staging";

  TestWorkflowEnvironment env;
  SimulatedFleet fleet;

  private WorkflowClient start(int sites, int perSite, List<SimulatedFault> faults) {
    fleet = new SimulatedFleet(List.of(new SimulatedStage(STAGE, "mlab-staging", "us-east1", List.of("b", "c", "d"),
        "api-platform-cluster-{region}-{zone}", OLD, sites, perSite, 0)), SimulatedTiming.INSTANT, faults);
    fleet.imagesBuilt(STAGE, TARGET);
    fleet.rebootTimes(Duration.ofMinutes(10), 0.10, 3);
    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder();
    SearchAttributes.ALL.forEach(k -> options.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    env = TestWorkflowEnvironment.newInstance(options.build());
    Worker worker = env.newWorker(FleetWorkflows.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(FleetWorkflows.implementations());
    worker.registerActivitiesImplementations(fleet.activities().toArray());
    worker.registerActivitiesImplementations(new TemporalNodeLauncher(env.getWorkflowClient()));
    env.start();
    return env.getWorkflowClient();
  }

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  private List<PlatformNode> nodes() {
    return fleet.platformNodes(STAGE);
  }

  private NodeRolloutWorkflow rollout(WorkflowClient client) {
    return client.newWorkflowStub(NodeRolloutWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("fleet-upgrade-v1.31.2/staging/rollout").setTaskQueue(FleetWorkflows.TASK_QUEUE).build());
  }

  @Test
  void everyNodeIsRebootedOnceWithinBothBudgetsAndTheWindowSlides() {
    // Given 30 sites of 4 nodes, 15 at once, 1 per site, 10% of nodes three times slower
    WorkflowClient client = start(30, 4, List.of());
    NodeRolloutWorkflow rollout = rollout(client);

    RebootSummary summary = rollout.run(NodeRollout.start(STAGE, TARGET, new WindowLimits(15, 1, 1, 2),
        Duration.ofMinutes(45), null, false));

    // Then every node was rebooted exactly once, never more than 15 at once nor 2 at a site
    assertThat(summary.rebooted()).isEqualTo(120);
    assertThat(fleet.rebootCount(STAGE)).isEqualTo(120);
    assertThat(fleet.mostDown(STAGE)).containsExactly(15, 1);
    assertThat(fleet.platformKubelets(STAGE).values()).containsOnly(TARGET);
    // And it took about the work spread over the window (120 x ~1.2 R / 15 = ~9.6 R) plus the canary's
    // reboot alone and the looks' delay, far below the 8 waves of 3 R a straggler costs each
    double makespanR = fleet.rebootSpan(STAGE).toMillis() / (double) Duration.ofMinutes(10).toMillis();
    assertThat(makespanR).isBetween(8.0, 15.0);
  }

  @Test
  void theNextUpgradeStartsTheNodesThatWereSlowLastTimeFirstAndEndsSooner() {
    // Given a first upgrade of 30 sites of 4 nodes, 15 at once, 1 per site, 10% of nodes three
    // times slower, no canary: each node's reboot time is kept on it
    WorkflowClient client = start(30, 4, List.of());
    WindowLimits limits = new WindowLimits(15, 1, 0, 2);
    rollout(client).run(NodeRollout.start(STAGE, TARGET, limits, Duration.ofMinutes(45), null, false));
    Duration first = fleet.rebootSpan(STAGE);

    // When the next upgrade's rollout runs
    ReleaseVersion next = ReleaseVersion.parse("v1.32.0");
    fleet.imagesBuilt(STAGE, next);
    fleet.newRebootSpan(STAGE);
    client.newWorkflowStub(NodeRolloutWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("fleet-upgrade-v1.32.0/staging/rollout").setTaskQueue(FleetWorkflows.TASK_QUEUE).build())
        .run(NodeRollout.start(STAGE, next, limits, Duration.ofMinutes(45), null, false));

    // Then the first 15 nodes started (at once) held a slow one from every site that has any; at
    // every site the slow went before the fast; and the stage was done sooner
    Map<String, String> siteOf = nodes().stream().collect(Collectors.toMap(PlatformNode::name, PlatformNode::site));
    Predicate<String> isSlow = n -> fleet.rebootTime(n).compareTo(Duration.ofMinutes(10)) > 0;
    Set<String> slowSites = siteOf.keySet().stream().filter(isSlow).map(siteOf::get).collect(Collectors.toSet());
    assertThat(slowSites).isNotEmpty();
    List<String> order = fleet.rebootOrder(STAGE);
    assertThat(slowSites.size()).isLessThan(15);
    assertThat(order.subList(0, 15).stream().filter(isSlow).map(siteOf::get).collect(Collectors.toSet()))
        .isEqualTo(slowSites);
    for (String site : slowSites) {
      List<String> atSite = order.stream().filter(n -> siteOf.get(n).equals(site)).toList();
      long slowAtSite = atSite.stream().filter(isSlow).count();
      assertThat(atSite.subList(0, (int) slowAtSite)).as(site).allMatch(isSlow);
    }
    assertThat(fleet.rebootSpan(STAGE)).isLessThan(first);
  }

  @Test
  void aCanaryThatDoesNotComeBackStopsTheRolloutBeforeTheWindowOpens() {
    WorkflowClient client = start(5, 4, List.of(new SimulatedFault("node-lost", STAGE, null, 1, "no link", false)));

    assertThatThrownBy(() -> rollout(client).run(NodeRollout.start(STAGE, TARGET, new WindowLimits(10, 1, 1, 2),
        Duration.ofMinutes(45), null, false)))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause().isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.getType()).isEqualTo(NodeRolloutWorkflowImpl.CANARY_FAILED);
          assertThat(f.getOriginalMessage()).contains("the canary did not come back", "not back within 45m");
        });
    assertThat(fleet.rebootCount(STAGE)).as("only the canary").isEqualTo(1);
  }

  @Test
  void pastTheFailureBudgetNoNewNodeStartsAndTheFailedAreNamed() {
    // Given three nodes (after the canary) that do not come back, and a budget of two failures
    WorkflowClient client = start(10, 4, List.of(
        new SimulatedFault("node-lost", STAGE, "mlab1-fra01.mlab-staging.measurement-lab.org", 1, "no link", false),
        new SimulatedFault("node-lost", STAGE, "mlab1-bom01.mlab-staging.measurement-lab.org", 1, "no link", false),
        new SimulatedFault("node-old-image", STAGE, "mlab1-gru01.mlab-staging.measurement-lab.org", 1, "pxe", false)));

    assertThatThrownBy(() -> rollout(client).run(NodeRollout.start(STAGE, TARGET, new WindowLimits(10, 1, 1, 2),
        Duration.ofMinutes(45), null, false)))
        .rootCause().isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.getType()).isEqualTo(NodeRolloutWorkflowImpl.NODES_FAILED);
          assertThat(f.getOriginalMessage()).contains("3 nodes not back", "mlab1-fra01", "mlab1-bom01",
              "mlab1-gru01.mlab-staging.measurement-lab.org: came back at v1.30.5, not v1.31.2",
              "over the failure budget of 2");
        });
    assertThat(fleet.rebootCount(STAGE)).as("no new node after the budget was spent").isLessThan(40);
  }

  @Test
  void aWorkerThatDiesRightAfterTriggeringARebootDoesNotRebootTwice() {
    WorkflowClient client = start(3, 2, List.of(new SimulatedFault("after-trigger", STAGE, null, 3, "worker killed", true)));

    RebootSummary summary = rollout(client).run(NodeRollout.start(STAGE, TARGET, new WindowLimits(3, 1, 0, 0),
        Duration.ofMinutes(45), null, false));

    assertThat(summary.rebooted()).isEqualTo(6);
    assertThat(fleet.rebootCount(STAGE)).isEqualTo(6);
  }

  @Test
  void anAbortedRolloutStartsNothingNewAndLetsTheNodesInFlightComeBackUncordoned() {
    WorkflowClient client = start(6, 2, List.of());
    NodeRolloutWorkflow rollout = rollout(client);
    WorkflowClient.start(rollout::run, NodeRollout.start(STAGE, TARGET, new WindowLimits(3, 1, 0, 0),
        Duration.ofMinutes(45), null, false));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (fleet.rebootCount(STAGE) == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }

    // When the rollout is cancelled (the stage was aborted) with nodes rebooting
    WorkflowStub.fromTyped(rollout).cancel();

    // Then it ends cancelled, having started nothing new, with every node it rebooted back and uncordoned
    assertThatThrownBy(() -> WorkflowStub.fromTyped(rollout).getResult(RebootSummary.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(io.temporal.failure.CanceledFailure.class);
    int rebooted = fleet.rebootCount(STAGE);
    assertThat(rebooted).isBetween(1, 11);
    assertThat(fleet.cordoned(STAGE)).as("no node left cordoned by the rollout").isZero();
    assertThat(fleet.platformKubelets(STAGE).values().stream().filter(TARGET::equals).count()).isEqualTo(rebooted);
  }

  @Test
  void aKuredLockHeldByANodeIsWaitedForAndShown() {
    WorkflowClient client = start(2, 1, List.of(new SimulatedFault("kured-lock-held", STAGE, null, 3, "held", false)));
    NodeRolloutWorkflow rollout = rollout(client);
    WorkflowClient.start(rollout::run, NodeRollout.start(STAGE, TARGET, new WindowLimits(2, 1, 0, 0),
        Duration.ofMinutes(45), null, false));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (rollout.progress().waitingFor() == null && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }

    assertThat(rollout.progress().waitingFor()).startsWith("kured's lock is held by mlab3-xyz01 (kured)");
    assertThat(fleet.rebootCount(STAGE)).as("nothing rebooted while kured holds its lock").isZero();
    RebootSummary summary = WorkflowStub.fromTyped(rollout).getResult(RebootSummary.class);
    assertThat(summary.rebooted()).isEqualTo(2);
  }

  @Test
  void aPausedRolloutStartsNoNewNodeAndFinishesThoseInFlight() {
    WorkflowClient client = start(6, 2, List.of());
    NodeRolloutWorkflow rollout = rollout(client);
    WorkflowClient.start(rollout::run, NodeRollout.start(STAGE, TARGET, new WindowLimits(3, 1, 0, 0),
        Duration.ofMinutes(45), null, false));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (rollout.progress().inFlight() == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }

    rollout.setPaused(true);
    env.sleep(Duration.ofHours(2));
    RolloutProgress paused = rollout.progress();
    assertThat(paused.inFlight()).as("those in flight came back").isZero();
    assertThat(paused.remaining()).as("nothing new started").isGreaterThan(0);
    int rebootsWhilePaused = fleet.rebootCount(STAGE);
    env.sleep(Duration.ofHours(2));
    assertThat(fleet.rebootCount(STAGE)).isEqualTo(rebootsWhilePaused);

    rollout.setPaused(false);
    assertThat(WorkflowStub.fromTyped(rollout).getResult(RebootSummary.class).rebooted()).isEqualTo(12);
  }
}
