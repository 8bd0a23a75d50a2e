package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.GateStatus;
import org.fleetupgrade.status.MemberPhase;
import org.fleetupgrade.status.MemberStatus;
import org.fleetupgrade.status.NodeConvergence;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.cli.PendingSteps.PendingStep;
import org.junit.jupiter.api.Test;

class StatusTableTest {

  static final Instant NOW = Instant.parse("2026-11-27T10:13:11Z");
  static final String ID = "fleet-upgrade-v1.31.2";
  static final String MEMBER = "api-platform-cluster-us-east1-c";
  static final String ADDRESS = Hints.connection("localhost:17233", "default");

  private static StageStatus sandbox(StageState state, String step, String blockedStep, String lastError) {
    return new StageStatus("sandbox", state, step, blockedStep, lastError,
        List.of(new MemberStatus(MEMBER, "us-east1-c", MemberPhase.VERIFYING, "node")), new NodeConvergence(3, 8), null,
        List.of(), NOW.minusSeconds(3600), null, null, null, NOW.minusSeconds(660));
  }

  private static FleetStatus fleet(FleetState state, GateStatus gate, String blockedStep, String lastError, StageStatus stage) {
    return new FleetStatus(ID, TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1"), state, false, "sandbox", gate,
        blockedStep, lastError, null, List.of(stage), List.of(), List.of(), 0, null);
  }

  private static PendingStep verifyRetrying(int attempt) {
    return new PendingStep(ID + "/sandbox", "sandbox", "verify:" + MEMBER, "verify", "SCHEDULED", attempt, 15,
        NOW.minusSeconds(660), NOW.minusSeconds(660), NOW.minusSeconds(40), null, null,
        "kube-apiserver image is v1.31.1, want v1.31.2");
  }

  @Test
  void aStageWaitingOnAlertsListsThemWithLabelsAndSinceWhen() {
    StageStatus waiting = sandbox(StageState.RUNNING, "alerts:" + MEMBER + " (waiting on ApiServerDown)", null, null);
    waiting = new StageStatus(waiting.name(), waiting.state(), waiting.step(), null, null, waiting.members(),
        waiting.nodes(), null, List.of(), waiting.startedAt(), null, null, null, waiting.stepSince(),
        new org.fleetupgrade.alerts.AlertCheck(3, 1, List.of(new org.fleetupgrade.alerts.FiringAlert("ApiServerDown",
            "severity=\"critical\"", "2026-11-27T09:00:00Z")), null, false));

    String table = StatusTable.render(fleet(FleetState.RUNNING, null, null, null, waiting), List.of(), NOW, 0, "");

    assertThat(table).contains("sandbox waits on 1 blocking alert (3 firing):\n"
        + "  ApiServerDown{severity=\"critical\"} since 2026-11-27T09:00:00Z\n");
  }

  @Test
  void aRetryingStepShowsItsAttemptSinceWhenAndItsLastFailureNotAnOlderError() {
    // Given a verify that Temporal retries, after an earlier step's error was cleared
    FleetStatus status = fleet(FleetState.RUNNING, null, null, null,
        sandbox(StageState.RUNNING, "verify:" + MEMBER, null, null));

    String table = StatusTable.render(status, List.of(verifyRetrying(4)), NOW, 10, "");

    assertThat(table).contains("running now:",
        "sandbox     verify:" + MEMBER + ": attempt 4 of 15 since 10:02:11 UTC (11m); waiting to retry",
        "last failure: kube-apiserver image is v1.31.1, want v1.31.2");
    assertThat(table).doesNotContain("last error").doesNotContain("BLOCKED");
  }

  @Test
  void aRealServersNextAttemptAndARunningActivityOfAnotherNameAreSaidSo() {
    PendingStep next = new PendingStep(ID + "/sandbox", "sandbox", "verify:" + MEMBER, "verify", "SCHEDULED", 2, 15,
        NOW.minusSeconds(30), NOW.minusSeconds(30), NOW.minusSeconds(20), NOW.plusSeconds(15), 15L, "not yet");
    PendingStep images = new PendingStep(ID + "/sandbox", "sandbox", "image-build", "awaitImages", "STARTED", 1, 5,
        null, NOW.minusSeconds(7200), NOW.minusSeconds(7200), null, null, null);
    PendingStep review = new PendingStep(ID, null, null, "review", "STARTED", 1, 5, null, NOW.minusSeconds(5),
        NOW.minusSeconds(5), null, null, null);

    String shown = StatusTable.pending(List.of(next, images, review), NOW);

    assertThat(shown).contains("attempt 2 of 15 since 10:12:41 UTC (30s); waiting to retry; next attempt in 15s",
        "sandbox     image-build (awaitImages): running since 08:13:11 UTC (2h)",
        "(fleet)     review: running since 10:13:06 UTC (5s)");
  }

  @Test
  void pendingActivitiesAreBoundedAndAStepFromAnotherDayShowsItsDate() {
    List<PendingStep> many = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      many.add(verifyRetrying(2 + i));
    }
    PendingStep old = new PendingStep(ID + "/sandbox", "sandbox", "verify:" + MEMBER, "verify", "STARTED", 3, 15,
        Instant.parse("2026-11-26T23:00:00Z"), null, NOW.minusSeconds(5), null, null, "x");
    many.set(0, old);

    String shown = StatusTable.pending(many, NOW);

    assertThat(shown.lines().filter(l -> l.contains(": attempt "))).hasSize(PendingSteps.SHOWN);
    assertThat(shown).contains("... and 3 more activities (status --json lists 20)",
        "since 2026-11-26 23:00:00 UTC (11h13m); last attempt started 10:13:06 UTC");
  }

  @Test
  void blockedAndGateCommandsCarryTheAddressUsed() {
    FleetStatus blocked = fleet(FleetState.BLOCKED, null, "verify:" + MEMBER, "kube-apiserver image is v1.31.1",
        sandbox(StageState.BLOCKED, "verify:" + MEMBER, "verify:" + MEMBER, "kube-apiserver image is v1.31.1"));
    assertThat(StatusTable.render(blocked, List.of(), NOW, 0, ADDRESS)).contains(
        "BLOCKED at verify:" + MEMBER + ": kube-apiserver image is v1.31.1",
        "  fleet-upgrade retry " + ID + " --address localhost:17233\n",
        "  fleet-upgrade skip " + ID + " verify:" + MEMBER + " --reason \"...\" --address localhost:17233\n",
        "  fleet-upgrade abort " + ID + " --reason \"...\" --address localhost:17233\n");

    GateStatus approval = new GateStatus("sandbox", "staging", GatePhase.WAITING_APPROVAL, null,
        "approve with: fleet-upgrade approve " + ID + " sandbox --reason ...");
    String gate = StatusTable.render(fleet(FleetState.GATE, approval, null, null,
        sandbox(StageState.DONE, null, null, null)), List.of(), NOW, 0, ADDRESS);
    assertThat(gate).contains("approve with: fleet-upgrade approve " + ID + " sandbox --reason \"...\" --address localhost:17233");

    GateStatus acknowledge = new GateStatus("changelog", "sandbox", GatePhase.WAITING_ACKNOWLEDGEMENT, null, "read it");
    assertThat(StatusTable.render(fleet(FleetState.GATE, acknowledge, null, null,
        sandbox(StageState.PENDING, null, null, null)), List.of(), NOW, 0, Hints.connection("[::1]:7233", "fleets")))
        .contains("fleet-upgrade acknowledge " + ID + " --reason \"...\" --address '[::1]:7233' --namespace fleets");
    assertThat(StatusTable.render(blocked, List.of(), NOW, 0, Hints.connection("localhost:7233", "default")))
        .as("the defaults need no flags").contains("  fleet-upgrade retry " + ID + "\n");
  }

  @Test
  void anErrorWhoseStepIsRetriedIsSaidSo() {
    FleetStatus retrying = fleet(FleetState.RUNNING, null, null, "kubeadm preflight failed",
        sandbox(StageState.RUNNING, "upgrade:" + MEMBER, null, "kubeadm preflight failed"));
    assertThat(StatusTable.render(retrying, List.of(), NOW, 0, ""))
        .contains("last error, its step being retried: kubeadm preflight failed");
  }

  @Test
  void gateDeadlinesReadAsTheConfigWritesDurations() {
    GateStatus soaking = new GateStatus("staging", "production", GatePhase.SOAKING,
        NOW.plusSeconds(6 * 86400 + 23 * 3600 + 300), "soak 7d");
    assertThat(StatusTable.render(fleet(FleetState.GATE, soaking, null, null, sandbox(StageState.DONE, null, null, null)),
        List.of(), NOW, 0, "")).contains("SOAKING until 2026-12-04 09:18:11 UTC (in 6d23h)", "soak 7d");
  }

  @Test
  void watchRedrawsInPlaceOnATerminalAndAppendsWhenPiped() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    WatchScreen terminal = new WatchScreen(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
    terminal.show("state: RUNNING\nline two\n", "-- refreshing --");
    terminal.show("state: GATE\n", null);
    String drawn = bytes.toString(StandardCharsets.UTF_8);
    assertThat(drawn).startsWith(WatchScreen.HOME + "\u001b[2J" + WatchScreen.HOME + "state: RUNNING" + WatchScreen.CLEAR_LINE);
    assertThat(drawn).contains(WatchScreen.CLEAR_BELOW + WatchScreen.HOME + "state: GATE" + WatchScreen.CLEAR_LINE + "\n"
        + WatchScreen.CLEAR_BELOW);
    assertThat(drawn.indexOf("\u001b[2J")).as("the screen is cleared once, then redrawn over")
        .isEqualTo(drawn.lastIndexOf("\u001b[2J"));

    ByteArrayOutputStream piped = new ByteArrayOutputStream();
    WatchScreen log = new WatchScreen(new PrintStream(piped, true, StandardCharsets.UTF_8), false);
    log.show("state: RUNNING\n", "-- refreshing --");
    log.show("state: GATE\n", null);
    assertThat(piped.toString(StandardCharsets.UTF_8))
        .isEqualTo("state: RUNNING\n-- refreshing --\n\nstate: GATE\n").doesNotContain("\u001b");
  }

  @Test
  void devsHintNamesTheConfigAndAddressItRuns() {
    assertThat(DevCommand.startHint(Path.of("short.yaml"), "localhost:17233")).startsWith(
        "try: fleet-upgrade start --config short.yaml --kubernetes v1.31.2 --address localhost:17233\n"
            + "  then: fleet-upgrade status v1.31.2 --watch --address localhost:17233");
    assertThat(DevCommand.startHint(Path.of("my fleets/short.yaml"), "localhost:7233"))
        .startsWith("try: fleet-upgrade start --config 'my fleets/short.yaml' --kubernetes v1.31.2\n");
  }
}
