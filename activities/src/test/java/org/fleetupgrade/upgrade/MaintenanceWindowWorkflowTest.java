package org.fleetupgrade.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.request;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.simulated;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.maintenance.MaintenanceWindow;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.TimelineEntry;
import org.junit.jupiter.api.Test;

/**
 * Maintenance windows with time skipping: no disruptive step (a member's upgrade, a node's reboot)
 * starts outside the stage's window; work in flight finishes; the stage waits for the next opening
 * in the window's own time zone, excluded dates skipped. The test server starts on Wednesday
 * 2026-11-25 10:00 UTC (11:00 in Berlin).
 */
class MaintenanceWindowWorkflowTest {

  /** Monday 2026-11-30 09:00 in Berlin. */
  private static final Instant MONDAY_0900_BERLIN = Instant.parse("2026-11-30T08:00:00Z");

  private static StagePlan sandbox(MaintenanceWindow window) {
    return new StagePlan("sandbox", "mlab-sandbox", "us-east1", List.of("b", "c", "d"), Duration.ofHours(2),
        new RebootBudget(1, 1, Duration.ofMinutes(30), 0, 2, Duration.ofHours(1), null), PromotionPolicy.auto(Duration.ZERO),
        window);
  }

  private static List<String> events(FleetStatus status) {
    return status.timeline().stream().map(TimelineEntry::event).toList();
  }

  @Test
  void rebootsStopWhenTheWindowClosesAndGoOnAtMondayNineInItsZoneSkippingAnExcludedDay() {
    // Given Wednesdays and Fridays 09:00-11:45 in Berlin, not on Friday 2026-11-27, and four nodes
    // that take 25 minutes each, one at a time: they cannot all reboot before 11:45
    MaintenanceWindow window = new MaintenanceWindow(List.of(DayOfWeek.MONDAY, DayOfWeek.WEDNESDAY, DayOfWeek.FRIDAY),
        LocalTime.of(9, 0), LocalTime.of(11, 45), "Europe/Berlin", List.of(LocalDate.of(2026, 11, 27)));
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 4, 1)), List.of())) {
      t.fleet.rebootTimes(Duration.ofMinutes(25), 0, 1);
      FleetUpgradeWorkflow upgrade = t.start(request(sandbox(window)));

      // When the window closes with nodes left, then no node starts until it opens again, Monday 09:00 Berlin
      NodeRolloutWorkflow rollout = t.client.newWorkflowStub(NodeRolloutWorkflow.class,
          "fleet-upgrade-v1.31.2/sandbox/rollout");
      RolloutProgress waiting = null;
      for (int i = 0; i < 200 && waiting == null; i++) {
        t.skip(FleetTestEnvironment.POLL_STEP);
        try {
          RolloutProgress p = rollout.progress();
          waiting = p.waitingFor() != null && p.waitingFor().contains("maintenance window") ? p : null;
        } catch (RuntimeException notStartedYet) {
          // the rollout starts after the members and the images
        }
      }
      assertThat(waiting).as("the rollout waits for the window").isNotNull();
      assertThat(waiting.waitingFor()).startsWith("the maintenance window that opens at 2026-11-30T08:00:00Z");
      assertThat(waiting.inFlight()).as("work in flight finished").isZero();
      assertThat(waiting.waitingFor()).endsWith("; kured's lock released meanwhile");
      assertThat(t.fleet.kuredLockHolder("sandbox")).as("kured may reboot on its own while we may not").isNull();
      assertThat(waiting.rebooted()).isBetween(1, 3);
      assertThat(t.now()).isBefore(MONDAY_0900_BERLIN);
      int rebootedBeforeMonday = t.fleet.rebootCount("sandbox");

      // Then it finishes after Monday 09:00 Berlin, every node rebooted once
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(done.stage("sandbox").finishedAt()).isAfter(MONDAY_0900_BERLIN);
      assertThat(t.fleet.rebootCount("sandbox")).isEqualTo(4).isGreaterThan(rebootedBeforeMonday);
    }
  }

  @Test
  void aControlPlaneMemberWaitsForTheWindowAndTheStageSaysUntilWhen() {
    // Given weekdays 09:00-17:00 in Berlin, and an upgrade started on Saturday
    MaintenanceWindow weekdays = new MaintenanceWindow(List.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY,
        DayOfWeek.THURSDAY, DayOfWeek.FRIDAY), LocalTime.of(9, 0), LocalTime.of(17, 0), "Europe/Berlin", List.of());
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 1)), List.of())) {
      t.skip(Duration.ofDays(3));
      FleetUpgradeWorkflow upgrade = t.start(request(sandbox(weekdays)));

      // When it reaches the first member, then it waits, saying until when, and drains nothing
      FleetStatus waiting = t.awaitProgress(upgrade, s -> s.stage("sandbox").step() != null
          && s.stage("sandbox").step().startsWith("maintenance window"));
      assertThat(waiting.stage("sandbox").step()).isEqualTo("maintenance window (opens 2026-11-30T08:00:00Z)");
      assertThat(events(waiting)).anyMatch(e -> e.equals("waiting for the maintenance window that opens at"
          + " 2026-11-30T08:00:00Z (Mon,Tue,Wed,Thu,Fri 09:00-17:00 Europe/Berlin) before"
          + " api-platform-cluster-us-east1-b's upgrade"));
      assertThat(t.fleet.drainCount("sandbox")).isZero();

      // Then the members are upgraded from Monday 09:00 Berlin on
      FleetStatus done = t.result(upgrade);
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(done.timeline()).filteredOn(e -> e.event().equals("api-platform-cluster-us-east1-b: drain"))
          .singleElement().satisfies(e -> assertThat(e.at()).isAfterOrEqualTo(MONDAY_0900_BERLIN));
      assertThat(t.fleet.drainCount("sandbox")).isEqualTo(3);
    }
  }
}
