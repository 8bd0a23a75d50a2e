package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.function.Predicate;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.TimelineEntry;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.FleetActivities;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.realserver.TemporalCliServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

  private TemporalCliServer server;
  private WorkflowServiceStubs service;
  private WorkerFactory workers;
  private WorkflowClient client;
  private Path config;
  private DayOfWeek day;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void startServerAndWorker() throws Exception {
    server = TemporalCliServer.start(dir);
    // The weekly time is three days away, so the schedule's own calendar never fires during the test.
    day = ZonedDateTime.now(ZoneId.of("Europe/Berlin")).plusDays(3).getDayOfWeek();
    config = dir.resolve("fleet.yaml");
    Files.writeString(config, """
        temporal: {address: "%s"}
        versions: {cni: v1.6.2, crictl: v1.31.1}
        reboot: {firstLook: 1s}
        schedule: {day: %s, time: "15:00", timeZone: Europe/Berlin}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c], promotion: scheduled,
             simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 1, virtualNodes: 1}}
          - {name: production, project: mlab-oti, region: us-east1, zones: [b, c, d],
             simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 2, virtualNodes: 1}}
        simulation: {timing: {}}
        """.formatted(server.address(), day.name().toLowerCase(Locale.ROOT)));
    FleetConfig fleet = ConfigCommand.load(config);
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    workers = WorkerFactory.newInstance(client);
    FleetWorker.register(workers, fleet.temporal().taskQueue(), FleetActivities.forConfig(fleet, fault -> { }));
    workers.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (workers != null) {
      workers.shutdownNow();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private Result cli(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = Main.cli();
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
          java.util.stream.Stream.of("--address", server.address())).toArray(String[]::new);
      int code = cli.execute(all);
      return new Result(code, printed.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(stdout);
    }
  }

  private Result ok(String... args) {
    Result r = cli(args);
    assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
    return r;
  }

  private FleetStatus awaitStatus(Predicate<FleetStatus> condition) {
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, ID);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    FleetStatus last = null;
    while (System.nanoTime() < deadline) {
      last = upgrade.status();
      if (condition.test(last)) {
        return last;
      }
    }
    throw new AssertionError("status never matched: " + last);
  }

  @Test
  void theWeeklyScheduleIsCreatedOnceShownPausedAndPromotesWhatWaitsWhenItRuns() {
    // Given an upgrade soaked and waiting at sandbox's scheduled gate, and no schedule yet
    ok("start", "--config", config.toString(), "--kubernetes", "v1.31.2");
    FleetStatus waiting = awaitStatus(s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_SCHEDULE);
    assertThat(waiting.gate().stage()).isEqualTo("sandbox");
    assertThat(ok("status", "v1.31.2").out()).contains("WAITING_SCHEDULE",
        "weekly promotion: no Schedule fleet-upgrade-weekly-promotion in namespace default");

    // When the schedule is created, twice
    Result created = ok("schedule", "create", "--config", config.toString());
    Result again = ok("schedule", "create", "--config", config.toString());

    // Then there is one, at 15:00 Berlin time on the configured day, overlapping runs skipped
    ZonedDateTime expected = ZonedDateTime.now(ZoneId.of("Europe/Berlin")).with(TemporalAdjusters.next(day))
        .with(LocalTime.of(15, 0));
    assertThat(created.out()).startsWith("created Schedule fleet-upgrade-weekly-promotion: weekly ")
        .contains("15:00 Europe/Berlin", "overlapping runs skipped", "next run " + expected.toInstant());
    assertThat(again.out()).startsWith("updated Schedule fleet-upgrade-weekly-promotion");
    ScheduleClient schedules = ScheduleClient.newInstance(service,
        ScheduleClientOptions.newBuilder().setNamespace("default").build());
    assertThat(schedules.listSchedules().toList()).hasSize(1);
    assertThat(ok("status", "v1.31.2").out())
        .contains("weekly promotion (Schedule fleet-upgrade-weekly-promotion): next run " + expected.toInstant());

    // When it is paused, then it says so, and triggering it is refused: a paused schedule promotes nothing
    ok("schedule", "pause", "--reason", "conference week");
    assertThat(ok("schedule", "describe").out()).contains("PAUSED: conference week");
    assertThat(ok("status", "v1.31.2").out()).contains("paused (conference week): nothing is promoted until unpause");
    Result refused = cli("schedule", "trigger");
    assertThat(refused.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(refused.err()).contains("is paused (conference week): a paused schedule promotes nothing");
    assertThat(awaitStatus(s -> true).gate().phase()).isEqualTo(GatePhase.WAITING_SCHEDULE);

    // When it is unpaused and triggered
    ok("schedule", "unpause", "--reason", "conference over");
    assertThat(ok("schedule", "trigger").out()).contains("the weekly promotion runs now");

    // Then the waiting upgrade is promoted through the approve Update and finishes
    FleetStatus done = awaitStatus(s -> s.state() == FleetState.COMPLETED);
    assertThat(done.approvals()).singleElement().satisfies(a -> {
      assertThat(a.stage()).isEqualTo("sandbox");
      assertThat(a.reason()).startsWith("promoted by the weekly schedule (fleet-upgrade-weekly-promotion");
    });
    assertThat(done.timeline()).extracting(TimelineEntry::event)
        .anyMatch(e -> e.startsWith("approved promotion of sandbox: promoted by the weekly schedule"));
    assertThat(ok("schedule", "describe").out()).contains("runs:    1 in all");

    // And deleting it leaves none
    ok("schedule", "delete");
    Result gone = cli("schedule", "describe");
    assertThat(gone.code()).isEqualTo(Main.FAILED);
    assertThat(gone.err()).contains("no Schedule fleet-upgrade-weekly-promotion in namespace default");
    assertThat(Instant.now()).isBefore(expected.toInstant());
  }
}
