package org.fleetupgrade.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.TARGET;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.plan;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.request;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.simulated;

import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.promotion.PromotionMode;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.resume.Resumption;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.MemberStatus;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.TimelineEntry;
import org.junit.jupiter.api.Test;

/**
 * Starting an upgrade again after its run ended unfinished: the new run skips what is done (members
 * at the target are not drained again, nodes at the target not rebooted again) and keeps what the
 * previous run established for the stages it finds done (acknowledge, soaks, approvals, promotions).
 */
class ResumedUpgradeTest {

  private static final StagePlan SANDBOX = plan("sandbox",
      new PromotionPolicy(Duration.ofDays(1), PromotionMode.APPROVAL, null));
  private static final StagePlan STAGING = plan("staging", PromotionPolicy.auto(Duration.ofDays(7)));
  /** 24 nodes, 3 at once, so an abort finds some rebooted and some not. */
  private static final StagePlan PRODUCTION = new StagePlan("production", "mlab-production", "us-east1",
      List.of("b", "c", "d"), Duration.ofHours(2), new RebootBudget(3, 1, Duration.ofMinutes(30), 1, 2,
          Duration.ofHours(3), null), PromotionPolicy.auto(Duration.ZERO));

  private static FleetTestEnvironment fleet() {
    FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 1, 2), simulated("staging", 2, 2),
        simulated("production", 6, 4)), List.of());
    // Reboots of 25 minutes, within the 30-minute deadline: status polls move test time 20 minutes
    // at a time, so an abort finds nodes in flight.
    t.fleet.rebootTimes(Duration.ofMinutes(25), 0, 1);
    return t;
  }

  private static UpgradeRequest threeStages() {
    return request(SANDBOX, STAGING, PRODUCTION);
  }

  private static Resumption after(FleetUpgradeWorkflow previous, FleetStatus result) {
    return Resumption.of(WorkflowStub.fromTyped(previous).getExecution().getRunId(), result.state().name(), result);
  }

  private static List<String> events(FleetStatus status) {
    return status.timeline().stream().map(TimelineEntry::event).toList();
  }

  @Test
  void aNewRunAfterAnAbortMidRebootFinishesWithoutDoingAnythingTwice() {
    try (FleetTestEnvironment t = fleet()) {
      // Given an upgrade aborted in production's rolling reboot, with some nodes at the target
      FleetUpgradeWorkflow first = t.start(threeStages());
      t.awaitStatus(first, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_APPROVAL);
      first.approve("sandbox", "sandbox quiet");
      t.awaitStatus(first, s -> s.stage("production").reboot() != null
          && s.stage("production").reboot().done() >= 3 && s.stage("production").reboot().inFlight() > 0);
      first.abort("a site reports trouble");
      FleetStatus aborted = t.result(first);
      assertThat(aborted.state()).isEqualTo(FleetState.ABORTED);
      int rebootedBefore = t.fleet.rebootCount("production");
      assertThat(rebootedBefore).isBetween(3, 23);
      assertThat(t.fleet.applyCount("production")).isEqualTo(1);
      assertThat(t.fleet.drainCount("production")).isEqualTo(3);

      // When the same upgrade is started again, as `start` does it after a closed run
      FleetUpgradeWorkflow second = t.start(threeStages().resuming(after(first, aborted)));
      FleetStatus done = t.result(second);

      // Then it completes; sandbox and staging are found done, production is finished
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(done.stage("sandbox").state()).isEqualTo(StageState.ALREADY_AT_TARGET);
      assertThat(done.stage("staging").state()).isEqualTo(StageState.ALREADY_AT_TARGET);
      assertThat(done.stage("production").state()).isEqualTo(StageState.DONE);
      // and nothing was done twice: no member drained or applied again, each node rebooted once
      assertThat(done.stage("production").members()).extracting(MemberStatus::mode).containsOnly("already-at-target");
      assertThat(t.fleet.drainCount("production")).isEqualTo(3);
      assertThat(t.fleet.applyCount("production")).isEqualTo(1);
      assertThat(t.fleet.rebootCount("production")).isEqualTo(24);
      assertThat(t.fleet.platformKubelets("production").values()).containsOnly(TARGET.kubernetes());
      assertThat(t.fleet.cordoned("production")).isZero();
      // and the gates passed before were not waited for again
      assertThat(events(done)).anyMatch(e -> e.startsWith("a new run after run "))
          .anyMatch(e -> e.startsWith("promotion sandbox -> staging passed in run "))
          .anyMatch(e -> e.startsWith("promotion staging -> production passed in run "))
          .noneMatch(e -> e.startsWith("gate "));
    }
  }

  private static final String FIRST_MEMBER = "api-platform-cluster-us-east1-b";
  private static final String SANDBOX_ADMIN_CONF = "gs://k8s-support-mlab-sandbox/admin.conf";

  /** The drains of {@code member} in {@code stage} so far (the journal notes a drain that cordons). */
  private static long drainsOf(FleetTestEnvironment t, String stage, String member) {
    return t.fleet.journal().stream().filter(e -> e.action().equals("drain") && e.stage().equals(stage)
        && e.target().equals(member)).count();
  }

  /**
   * A first run that applied on the first member and was aborted while that member's step was
   * blocked (after {@code blockedAt}), the member then uncordoned (Ready, at the target), and a new
   * run of the same upgrade, started; returns the new run.
   */
  private static FleetUpgradeWorkflow abortedAndStartedAgain(FleetTestEnvironment t, String blockedAt) {
    UpgradeRequest request = request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO)));
    FleetUpgradeWorkflow first = t.start(request);
    t.awaitStatus(first, s -> (blockedAt + ":" + FIRST_MEMBER).equals(s.blockedStep()));
    first.abort("operator stops the upgrade");
    FleetStatus aborted = t.result(first);
    assertThat(aborted.state()).isEqualTo(FleetState.ABORTED);
    assertThat(t.fleet.applyCount("sandbox")).isEqualTo(1);
    assertThat(t.fleet.memberCordoned("sandbox", FIRST_MEMBER)).as("released after the abort").isFalse();
    return t.start(request.resuming(after(first, aborted)));
  }

  @Test
  void aRunAbortedAfterApplyButBeforeTheCopyHasAdminConfCopiedOnceByTheNextRun() {
    // The first member's copy fails twice: after its apply, and at the new run's first try.
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 1, 2)),
        List.of(new org.fleetupgrade.simulated.SimulatedFault("admin-conf", "sandbox", FIRST_MEMBER, 2,
            "AccessDeniedException: 403", false)))) {
      // Given a run aborted with the first member applied and its admin.conf not in the bucket
      FleetUpgradeWorkflow second = abortedAndStartedAgain(t, "upgrade");
      assertThat(t.fleet.adminConfCopyCount("sandbox")).isZero();
      assertThat(drainsOf(t, "sandbox", FIRST_MEMBER)).isOne();

      // When the new run finds the member done, its admin.conf step fails as a step an operator sees
      FleetStatus blocked = t.awaitStatus(second, s -> s.blockedStep() != null);
      assertThat(blocked.blockedStep()).isEqualTo("admin-conf:" + FIRST_MEMBER);
      assertThat(blocked.stage("sandbox").lastError()).contains("AccessDeniedException: 403");
      second.retry("bucket permissions fixed");
      FleetStatus done = t.result(second);

      // Then the retry copies it, once; the member is not drained or upgraded again, the others are upgraded
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.adminConfCopyCount("sandbox")).isOne();
      assertThat(drainsOf(t, "sandbox", FIRST_MEMBER)).as("the member that applied is not drained again").isOne();
      assertThat(t.fleet.drainCount("sandbox")).as("each member drained once in all").isEqualTo(3);
      assertThat(t.fleet.applyCount("sandbox")).isEqualTo(1);
      assertThat(t.fleet.journal()).filteredOn(e -> e.action().equals("admin-conf"))
          .extracting(e -> e.target()).containsExactly(FIRST_MEMBER);
      assertThat(events(done)).contains(FIRST_MEMBER + ": admin.conf copied to " + SANDBOX_ADMIN_CONF
          + " (this member ran apply; the bucket held another)")
          .noneMatch(e -> e.contains("admin.conf already held"));
    }
  }

  @Test
  void aRunAbortedAfterTheCopyCopiesNothingAgain() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 1, 2)),
        List.of(new org.fleetupgrade.simulated.SimulatedFault("verify", "sandbox", FIRST_MEMBER, 1,
            "static pods still old", false)))) {
      // Given a run aborted after the first member applied and copied admin.conf
      FleetUpgradeWorkflow second = abortedAndStartedAgain(t, "verify");
      assertThat(t.fleet.adminConfCopyCount("sandbox")).isOne();

      FleetStatus done = t.result(second);

      // Then the new run only finds the bucket holding it: nothing copied, nobody drained twice
      assertThat(done.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.adminConfCopyCount("sandbox")).isOne();
      assertThat(drainsOf(t, "sandbox", FIRST_MEMBER)).isOne();
      assertThat(t.fleet.drainCount("sandbox")).isEqualTo(3);
      assertThat(events(done)).contains(FIRST_MEMBER + ": admin.conf already held in " + SANDBOX_ADMIN_CONF)
          .noneMatch(e -> e.contains("admin.conf copied"))
          .noneMatch(e -> e.startsWith("api-platform-cluster-us-east1-c: admin.conf")
              || e.startsWith("api-platform-cluster-us-east1-d: admin.conf"));
    }
  }

  @Test
  void aStageFoundDoneSoaksOnlyWhatIsLeftOfItsSoak() {
    try (FleetTestEnvironment t = fleet()) {
      // Given an upgrade aborted while staging soaks (sandbox approved and promoted)
      FleetUpgradeWorkflow first = t.start(threeStages());
      t.awaitStatus(first, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_APPROVAL);
      first.approve("sandbox", "sandbox quiet");
      FleetStatus soaking = t.awaitStatus(first, s -> s.gate() != null && s.gate().stage().equals("staging")
          && s.gate().phase() == GatePhase.SOAKING);
      first.abort("holiday freeze");
      // Without moving test time: the abort ends the soak at once, not when the soak's timer fires.
      FleetStatus aborted = t.awaitProgress(first, s -> s.state() == FleetState.ABORTED);
      java.time.Instant stagingDone = aborted.stage("staging").finishedAt();
      // (the gate opens just after the stage reports itself done)
      assertThat(soaking.gate().until()).isBetween(stagingDone.plus(Duration.ofDays(7)),
          stagingDone.plus(Duration.ofDays(7)).plusSeconds(1));

      // When it is started again a day later
      t.skip(Duration.ofDays(1));
      FleetUpgradeWorkflow second = t.start(threeStages().resuming(after(first, aborted)));

      // Then staging soaks until the end of the soak it began, not seven days from now
      FleetStatus resumed = t.awaitStatus(second, s -> s.gate() != null && s.gate().stage().equals("staging"));
      assertThat(resumed.gate().phase()).isEqualTo(GatePhase.SOAKING);
      assertThat(resumed.gate().until()).isEqualTo(stagingDone.plus(Duration.ofDays(7)));
      assertThat(resumed.gate().detail()).contains("since " + stagingDone.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      assertThat(events(resumed)).anyMatch(e -> e.startsWith("promotion sandbox -> staging passed in run "));
      assertThat(t.result(second).state()).isEqualTo(FleetState.COMPLETED);
    }
  }

  @Test
  void aStageTheNewRunWorksOnSoaksAndIsApprovedFromScratch() {
    try (FleetTestEnvironment t = fleet()) {
      // Given an upgrade aborted in sandbox's rolling reboot
      FleetUpgradeWorkflow first = t.start(threeStages());
      t.awaitStatus(first, s -> s.stage("sandbox").reboot() != null && s.stage("sandbox").reboot().inFlight() > 0);
      first.abort("wrong images");
      FleetStatus aborted = t.result(first);
      assertThat(aborted.stage("sandbox").state()).isEqualTo(StageState.ABORTED);

      // When it is started again
      FleetUpgradeWorkflow second = t.start(threeStages().resuming(after(first, aborted)));

      // Then sandbox is finished, and its gate waits for a full soak and a new approval
      FleetStatus waiting = t.awaitStatus(second, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_APPROVAL);
      assertThat(waiting.stage("sandbox").state()).isEqualTo(StageState.DONE);
      assertThat(events(waiting)).anyMatch(e -> e.startsWith("gate sandbox -> staging: SOAKING") && e.contains("(soak 1d)"));
      WorkflowStub.fromTyped(second).terminate("test done");
    }
  }
}
