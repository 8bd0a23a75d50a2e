package org.fleetupgrade.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.request;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.simulated;

import java.time.Duration;
import java.util.List;
import org.fleetupgrade.alerts.AlertGate;
import org.fleetupgrade.alerts.FiringAlert;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.TimelineEntry;
import org.junit.jupiter.api.Test;

/**
 * The alert gate with time skipping: a disruptive step waits while a blocking alert fires (a
 * durable timer between polls), proceeds once it resolves, and blocks the stage once it has fired
 * past the gate's limit (retry checks again, skip goes ahead).
 */
class AlertGateWorkflowTest {

  static final AlertGate GATE = new AlertGate(Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofHours(2),
      Duration.ofMinutes(1));
  static final FiringAlert API_DOWN = new FiringAlert("ApiServerDown", "severity=\"critical\"",
      "2026-11-25T09:00:00Z");
  static final String FIRST = "api-platform-cluster-us-east1-b";

  static StagePlan plan(String name, AlertGate gate) {
    return FleetTestEnvironment.plan(name, PromotionPolicy.auto(Duration.ZERO)).withAlerts(gate);
  }

  private static List<String> events(FleetStatus status) {
    return status.timeline().stream().map(TimelineEntry::event).toList();
  }

  @Test
  void aMemberWaitsWhileABlockingAlertFiresShowsItAndGoesOnOnceItResolves() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 1)), List.of())) {
      // Given a critical alert firing in sandbox
      t.fleet.alerts().fire("sandbox", API_DOWN);
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", GATE)));

      // When the first member is next, then it waits, drains nothing, and says on what
      FleetStatus waiting = t.awaitProgress(upgrade, s -> s.stage("sandbox").alerts() != null);
      assertThat(waiting.stage("sandbox").step()).isEqualTo("alerts:" + FIRST + " (waiting on ApiServerDown)");
      assertThat(waiting.stage("sandbox").alerts().alerts()).containsExactly(API_DOWN);
      assertThat(events(waiting)).contains("waiting before " + FIRST + ": sandbox: 1 blocking alert:"
          + " ApiServerDown{severity=\"critical\"} since 2026-11-25T09:00:00Z");
      t.skip(Duration.ofMinutes(90));
      assertThat(upgrade.status().stage("sandbox").state()).isEqualTo(StageState.RUNNING);
      assertThat(t.fleet.drainCount("sandbox")).isZero();
      int checks = t.fleet.alerts().checks("sandbox");
      assertThat(checks).as("polled with backoff: 1+2+4+8+10+10+... minutes, not every minute").isBetween(5, 15);

      // Then once it resolves the members are upgraded and the upgrade completes
      t.fleet.alerts().resolve("sandbox");
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(done.stage("sandbox").alerts()).isNull();
      assertThat(events(done)).contains("sandbox: no blocking alert any more (0 firing): going ahead with " + FIRST);
      assertThat(t.fleet.drainCount("sandbox")).isEqualTo(3);
    }
  }

  @Test
  void anAlertFiringPastItsLimitBlocksTheStageRetryChecksAgainSkipGoesAhead() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 1)), List.of())) {
      t.fleet.alerts().fire("sandbox", API_DOWN);
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", GATE)));

      // When it still fires after blockAfter (2h), then the stage BLOCKS at alerts:<member>, saying why
      FleetStatus blocked = t.awaitStatus(upgrade, s -> s.stage("sandbox").state() == StageState.BLOCKED);
      assertThat(blocked.blockedStep()).isEqualTo("alerts:" + FIRST);
      assertThat(blocked.stage("sandbox").lastError()).contains("sandbox: 1 blocking alert: ApiServerDown")
          .contains("still after 2h (alerts.blockAfter 2h): " + FIRST + " waits; retry checks again, skip goes ahead");
      assertThat(t.fleet.drainCount("sandbox")).isZero();

      // Retry: it checks again, waits, and blocks again while the alert fires
      upgrade.retry("looking into it");
      t.awaitStatus(upgrade, s -> s.stage("sandbox").state() == StageState.RUNNING);
      t.awaitStatus(upgrade, s -> s.stage("sandbox").state() == StageState.BLOCKED);
      assertThat(t.fleet.drainCount("sandbox")).isZero();

      // Skip: the member goes ahead; with the alert resolved the others pass the gate
      upgrade.skip("alerts:" + FIRST, "known flapping alert, upgrading anyway");
      t.fleet.alerts().resolve("sandbox");
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(done.stage("sandbox").skipped()).singleElement()
          .satisfies(k -> assertThat(k.step()).isEqualTo("alerts:" + FIRST));
      assertThat(t.fleet.drainCount("sandbox")).isEqualTo(3);
    }
  }

  @Test
  void anUnreadableEndpointHoldsTheStepAndSaysSo() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 1)), List.of())) {
      t.fleet.alerts().unavailable("sandbox", "http://prometheus:9090/api/v1/alerts could not be read", false);
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", GATE)));
      FleetStatus waiting = t.awaitProgress(upgrade, s -> s.stage("sandbox").alerts() != null);
      assertThat(waiting.stage("sandbox").step()).isEqualTo("alerts:" + FIRST + " (waiting on alert endpoint unavailable)");
      assertThat(events(waiting)).contains("waiting before " + FIRST + ": sandbox: alert endpoint unavailable:"
          + " http://prometheus:9090/api/v1/alerts could not be read");
      assertThat(t.fleet.drainCount("sandbox")).isZero();

      // Configured to proceed: a warning in the timeline, and the members go ahead
      t.fleet.alerts().unavailable("sandbox", "http://prometheus:9090/api/v1/alerts could not be read", true);
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(events(done)).contains("warning: sandbox: alert endpoint unavailable: http://prometheus:9090/api/v1/alerts"
          + " could not be read; going ahead with " + FIRST + " (alerts.onUnreachable: proceed)");
    }
  }

  @Test
  void aPromotionWaitsOnTheNextStagesAlerts() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 1), simulated("staging", 2, 1)),
        List.of())) {
      // Given staging has a gate and an alert fires there while sandbox upgrades
      t.fleet.alerts().fire("staging", API_DOWN);
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", null), plan("staging", GATE)));

      // When sandbox is done, then its promotion waits on staging's alert, and staging has not started
      FleetStatus waiting = t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_ALERTS);
      assertThat(waiting.gate().stage()).isEqualTo("sandbox");
      assertThat(waiting.gate().next()).isEqualTo("staging");
      assertThat(waiting.gate().detail()).isEqualTo("staging: 1 blocking alert: ApiServerDown{severity=\"critical\"}"
          + " since 2026-11-25T09:00:00Z");
      assertThat(events(waiting)).contains("waiting before the promotion sandbox -> staging: staging: 1 blocking alert:"
          + " ApiServerDown{severity=\"critical\"} since 2026-11-25T09:00:00Z");
      t.skip(Duration.ofMinutes(60));
      assertThat(upgrade.status().stage("staging").state()).isEqualTo(StageState.PENDING);
      assertThat(t.fleet.drainCount("staging")).isZero();

      // Then once it resolves staging is promoted and upgraded
      t.fleet.alerts().resolve("staging");
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(events(done)).contains("staging: no blocking alert any more (0 firing): going ahead with the promotion"
          + " sandbox -> staging");
      assertThat(t.fleet.drainCount("staging")).isEqualTo(3);
    }
  }

  @Test
  void theRollingRebootStartsNoNewNodeWhileABlockingAlertFires() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 4, 1)), List.of())) {
      // Given four nodes that take 25 minutes each, one at a time
      t.fleet.rebootTimes(Duration.ofMinutes(25), 0, 1);
      StagePlan oneAtATime = new StagePlan("sandbox", "mlab-sandbox", "us-east1", List.of("b", "c", "d"),
          Duration.ofHours(2), new RebootBudget(1, 1, Duration.ofMinutes(30), 0, 2, Duration.ofHours(1), null),
          PromotionPolicy.auto(Duration.ZERO)).withAlerts(GATE);
      FleetUpgradeWorkflow upgrade = t.start(request(oneAtATime));
      NodeRolloutWorkflow rollout = t.client.newWorkflowStub(NodeRolloutWorkflow.class,
          "fleet-upgrade-v1.31.2/sandbox/rollout");
      RolloutProgress started = null;
      for (int i = 0; i < 200 && started == null; i++) {
        t.skip(Duration.ofMinutes(5));
        try {
          RolloutProgress p = rollout.progress();
          started = p.rebooted() >= 1 ? p : null;
        } catch (RuntimeException notStartedYet) {
          // the rollout starts after the members and the images
        }
      }
      assertThat(started).as("the rollout rebooted a node").isNotNull();

      // When a critical alert fires, then the node in flight finishes and no new one starts, saying why
      t.fleet.alerts().fire("sandbox", API_DOWN);
      RolloutProgress waiting = null;
      for (int i = 0; i < 100 && waiting == null; i++) {
        t.skip(Duration.ofMinutes(5));
        RolloutProgress p = rollout.progress();
        waiting = p.inFlight() == 0 && p.waitingFor() != null && p.waitingFor().contains("ApiServerDown") ? p : null;
      }
      assertThat(waiting).as("the rollout waits on the alert").isNotNull();
      assertThat(waiting.waitingFor()).isEqualTo("no new node while 1 blocking alert: ApiServerDown{severity=\"critical\"}"
          + " since 2026-11-25T09:00:00Z");
      int rebooted = t.fleet.rebootCount("sandbox");
      assertThat(rebooted).isLessThan(4);
      t.skip(Duration.ofMinutes(60));
      assertThat(t.fleet.rebootCount("sandbox")).isEqualTo(rebooted);

      // Then once it resolves the rest reboot and the upgrade completes
      t.fleet.alerts().resolve("sandbox");
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.rebootCount("sandbox")).isEqualTo(4);
    }
  }

  @Test
  void anAlertHoldingTheRollingRebootPastItsLimitBlocksTheRebootStepAndRetryGoesOn() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 4, 1)), List.of())) {
      t.fleet.rebootTimes(Duration.ofMinutes(25), 0, 1);
      StagePlan oneAtATime = new StagePlan("sandbox", "mlab-sandbox", "us-east1", List.of("b", "c", "d"),
          Duration.ofHours(2), new RebootBudget(1, 1, Duration.ofMinutes(30), 0, 2, Duration.ofHours(1), null),
          PromotionPolicy.auto(Duration.ZERO)).withAlerts(GATE);
      FleetUpgradeWorkflow upgrade = t.start(request(oneAtATime));
      t.awaitStatus(upgrade, s -> s.stage("sandbox").reboot() != null && s.stage("sandbox").reboot().rebooted() >= 1);

      // When an alert fires mid-rollout and keeps firing past blockAfter, then the reboot step BLOCKS
      t.fleet.alerts().fire("sandbox", API_DOWN);
      FleetStatus blocked = t.awaitStatus(upgrade, s -> s.stage("sandbox").state() == StageState.BLOCKED);
      assertThat(blocked.blockedStep()).isEqualTo("reboot");
      assertThat(blocked.stage("sandbox").lastError()).contains("sandbox: 1 blocking alert: ApiServerDown")
          .contains("(alerts.blockAfter 2h): no node was started meanwhile; retry checks again");
      int rebooted = t.fleet.rebootCount("sandbox");
      assertThat(rebooted).isLessThan(4);

      // Then once it resolves, retry reboots the rest
      t.fleet.alerts().resolve("sandbox");
      upgrade.retry("alert resolved");
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.rebootCount("sandbox")).isEqualTo(4);
    }
  }
}
