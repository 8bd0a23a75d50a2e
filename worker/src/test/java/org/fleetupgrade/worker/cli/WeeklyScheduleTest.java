package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.TimelineEntry;
import org.fleetupgrade.worker.cli.RealServerCli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weekly promotion as a Temporal Schedule, on a real Temporal server (the CLI's dev server):
 * `schedule create` is idempotent and runs at the configured local time, `status` shows its next
 * run at a scheduled gate, a paused schedule promotes nothing, and a triggered one promotes the
 * waiting upgrade through the approve Update, "promoted by the weekly schedule".
 */
class WeeklyScheduleTest {

  private static final String ID = "fleet-upgrade-v1.31.2";

  @TempDir
  Path dir;

  @Test
  void theWeeklyScheduleIsCreatedOnceShownPausedAndPromotesWhatWaitsWhenItRuns() throws Exception {
    // The weekly time is three days away, so the schedule's own calendar never fires during the test.
    DayOfWeek day = ZonedDateTime.now(ZoneId.of("Europe/Berlin")).plusDays(3).getDayOfWeek();
    String config = """
        temporal: {address: "%s"}
        versions: {cni: v1.6.2, crictl: v1.31.1}
        reboot: {firstLook: 1s}
        schedule: {day: DAY, time: "15:00", timeZone: Europe/Berlin}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c], promotion: scheduled,
             simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 1, virtualNodes: 1}}
          - {name: production, project: mlab-oti, region: us-east1, zones: [b, c, d],
             simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 2, virtualNodes: 1}}
        simulation: {timing: {}}
        """.replace("DAY", day.name().toLowerCase(Locale.ROOT));
    try (RealServerCli real = new RealServerCli(dir, config)) {
      String file = real.config.toString();
      // Given an upgrade soaked and waiting at sandbox's scheduled gate, and no schedule yet
      real.ok("start", "--config", file, "--kubernetes", "v1.31.2");
      FleetStatus waiting = real.awaitStatus(ID, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_SCHEDULE);
      assertThat(waiting.gate().stage()).isEqualTo("sandbox");
      assertThat(real.ok("status", "v1.31.2").out()).contains("WAITING_SCHEDULE",
          "weekly promotion: no Schedule fleet-upgrade-weekly-promotion in namespace default");

      // When the schedule is created, twice
      Result created = real.ok("schedule", "create", "--config", file);
      Result again = real.ok("schedule", "create", "--config", file);

      // Then there is one, at 15:00 Berlin time on the configured day, overlapping runs skipped
      ZonedDateTime expected = ZonedDateTime.now(ZoneId.of("Europe/Berlin")).with(TemporalAdjusters.next(day))
          .with(LocalTime.of(15, 0));
      assertThat(created.out()).startsWith("created Schedule fleet-upgrade-weekly-promotion: weekly ")
          .contains("15:00 Europe/Berlin", "overlapping runs skipped", "next run " + expected.toInstant());
      assertThat(again.out()).startsWith("updated Schedule fleet-upgrade-weekly-promotion");
      ScheduleClient schedules = ScheduleClient.newInstance(real.service,
          ScheduleClientOptions.newBuilder().setNamespace("default").build());
      assertThat(schedules.listSchedules().toList()).hasSize(1);
      assertThat(real.ok("status", "v1.31.2").out())
          .contains("weekly promotion (Schedule fleet-upgrade-weekly-promotion): next run " + expected.toInstant());

      // When it is paused, then it says so, and triggering it is refused: a paused schedule promotes nothing
      real.ok("schedule", "pause", "--reason", "conference week");
      assertThat(real.ok("schedule", "describe").out()).contains("PAUSED: conference week");
      assertThat(real.ok("status", "v1.31.2").out()).contains("paused (conference week): nothing is promoted until unpause");
      Result refused = real.cli("schedule", "trigger");
      assertThat(refused.code()).isEqualTo(Main.BAD_INPUT);
      assertThat(refused.err()).contains("is paused (conference week): a paused schedule promotes nothing");
      assertThat(real.awaitStatus(ID, s -> true).gate().phase()).isEqualTo(GatePhase.WAITING_SCHEDULE);

      // When it is unpaused and triggered
      real.ok("schedule", "unpause", "--reason", "conference over");
      assertThat(real.ok("schedule", "trigger").out()).contains("the weekly promotion runs now");

      // Then the waiting upgrade is promoted through the approve Update and finishes
      FleetStatus done = real.awaitStatus(ID, s -> s.state() == FleetState.COMPLETED);
      assertThat(done.approvals()).singleElement().satisfies(a -> {
        assertThat(a.stage()).isEqualTo("sandbox");
        assertThat(a.reason()).startsWith("promoted by the weekly schedule (fleet-upgrade-weekly-promotion");
      });
      assertThat(done.timeline()).extracting(TimelineEntry::event)
          .anyMatch(e -> e.startsWith("approved promotion of sandbox: promoted by the weekly schedule"));
      assertThat(real.ok("schedule", "describe").out()).contains("runs:    1 in all");

      // And deleting it leaves none
      real.ok("schedule", "delete");
      Result gone = real.cli("schedule", "describe");
      assertThat(gone.code()).isEqualTo(Main.FAILED);
      assertThat(gone.err()).contains("no Schedule fleet-upgrade-weekly-promotion in namespace default");
      assertThat(Instant.now()).isBefore(expected.toInstant());
    }
  }
}
