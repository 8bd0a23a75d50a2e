package org.fleetupgrade.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.TARGET;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.plan;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.request;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.simulated;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.sdk.v1.WorkflowMetadata;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.promotion.PromotionMode;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.promotion.WeeklyWindow;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.images.StageImages;
import org.fleetupgrade.images.VersionChange;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.MemberPhase;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.status.TimelineEntry;
import org.junit.jupiter.api.Test;

class FleetUpgradeWorkflowTest {

  private static final String MEMBER_C = "api-platform-cluster-us-east1-c";

  private static List<SimulatedStage> threeStages() {
    return List.of(simulated("sandbox", 2, 2), simulated("staging", 3, 2), simulated("production", 5, 4));
  }

  private static UpgradeRequest threeStages(PromotionPolicy sandboxGate, PromotionPolicy stagingGate) {
    return request(plan("sandbox", sandboxGate), plan("staging", stagingGate),
        plan("production", PromotionPolicy.auto(Duration.ZERO)));
  }

  private static UpgradeRequest autoThreeStages() {
    return threeStages(PromotionPolicy.auto(Duration.ofHours(1)), PromotionPolicy.auto(Duration.ofDays(7)));
  }

  private static SimulatedFault permanentFault(String step, String stage, String target, int times) {
    return new SimulatedFault(step, stage, target, times, "kubeadm preflight failed", false);
  }

  @Test
  void happyPathUpgradesEveryStageInOrder() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetStatus result = t.result(t.start(autoThreeStages()));

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.stages()).extracting(StageStatus::state).containsOnly(StageState.DONE);
      StageStatus production = result.stage("production");
      assertThat(production.members()).extracting(m -> m.mode()).containsExactly("apply", "node", "node");
      assertThat(production.members()).extracting(m -> m.phase()).containsOnly(MemberPhase.DONE);
      assertThat(production.nodes()).hasToString("24/24");
      assertThat(t.fleet.platformKubelets("production").values()).containsOnly(TARGET.kubernetes());
      assertThat(t.fleet.clusterVersion("staging")).isEqualTo(TARGET.kubernetes());
      // Stages ran strictly one after another.
      assertThat(result.stage("staging").startedAt()).isAfter(result.stage("sandbox").finishedAt());
      assertThat(result.stage("production").startedAt()).isAfter(result.stage("staging").finishedAt());
    }
  }

  @Test
  void stagingAndProductionBuildExactlyTheCommitSandboxBuiltAndProductionPointsItsHosts() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetStatus result = t.result(t.start(autoThreeStages()));

      StageImages sandbox = result.stage("sandbox").images();
      StageImages staging = result.stage("staging").images();
      StageImages production = result.stage("production").images();
      assertThat(sandbox.release().ref()).isEqualTo("sandbox-v1.31.2");
      assertThat(sandbox.release().changes()).extracting(VersionChange::variable)
          .as("the CNI plugins were already at the target").containsExactly("K8S_VERSION", "K8S_CRICTL_VERSION");
      assertThat(sandbox.build().imagesVersion()).isEqualTo("latest");
      assertThat(staging.release().ref()).isEqualTo("main");
      assertThat(staging.release().commit()).isEqualTo(sandbox.release().commit());
      assertThat(production.release().ref()).isEqualTo("v2.4.31");
      assertThat(production.release().commit()).as("the soaked commit, tagged").isEqualTo(sandbox.release().commit());
      assertThat(production.build().pinned()).isTrue();
      assertThat(production.hosts().changed()).isEqualTo(20);
      assertThat(sandbox.hosts()).as("latest images name no host").isNull();
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .anyMatch(e -> e.startsWith("images pushed: sandbox-v1.31.2 at "))
          .anyMatch(e -> e.equals("images version: 20 hosts set to v2.4.31, 0 already there, 0 left out"));
      assertThat(StatusMarkdown.images(production)).contains("`v2.4.31` at `", "K8S_VERSION v1.30.5 -> v1.31.2",
          "built v2.4.31 by sim-build-production-1", "20 hosts set to v2.4.31");
    }
  }

  @Test
  void aSkippedImageStepIsNeverMadeUpForByAnOlderStagesCommitOrAGuessedRelease() {
    SimulatedFault stagingFails = new SimulatedFault("image-build", "staging", null, 1, "main moved", false);
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of(stagingFails))) {
      FleetUpgradeWorkflow upgrade = t.start(threeStages(PromotionPolicy.auto(Duration.ZERO),
          PromotionPolicy.auto(Duration.ZERO)));
      // Given staging's image step was skipped (its images built by hand)
      t.awaitStatus(upgrade, s -> "image-build".equals(s.blockedStep()) && "staging".equals(s.currentStage()));
      upgrade.skip("image-build", "rebased and built by hand");
      t.awaitStatus(upgrade, st -> !"image-build".equals(st.blockedStep()));
      // (the simulation did not see that build: staging's later steps block, and are skipped too)
      FleetStatus production;
      while (true) {
        FleetStatus s = t.awaitStatus(upgrade, st -> st.blockedStep() != null);
        if ("production".equals(s.currentStage())) {
          production = s;
          break;
        }
        upgrade.skip(s.blockedStep(), "the simulation did not see the by-hand build");
        t.awaitStatus(upgrade, st -> !s.blockedStep().equals(st.blockedStep()) || !s.currentStage().equals(st.currentStage()));
      }

      // When production publishes, Then it does not release sandbox's commit: main must carry the versions
      assertThat(production.blockedStep()).isEqualTo("image-build");
      assertThat(production.lastError()).contains("no earlier stage built images in this upgrade, and main (",
          "does not carry the target versions");

      // And with production's image step skipped too, no release is guessed for its hosts: it blocks
      upgrade.skip("image-build", "released by hand");
      FleetStatus hosts = t.awaitStatus(upgrade, s -> "images-version".equals(s.blockedStep()));
      assertThat(hosts.lastError()).contains("no release to point at: production's hosts boot a release");
      upgrade.abort("test done");
      t.result(upgrade);
    }
  }

  @Test
  void productionTakesTheOperatorsImagesTag() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      UpgradeRequest asked = autoThreeStages();
      FleetStatus result = t.result(t.start(new UpgradeRequest(asked.target(), asked.stages(), false, false, "v3.0.0")));

      assertThat(result.stage("production").images().release().ref()).isEqualTo("v3.0.0");
      assertThat(result.stage("production").images().hosts().imagesVersion()).isEqualTo("v3.0.0");
    }
  }

  @Test
  void membersAreUpgradedOneAtATimeDrainUpgradeVerifyUncordon() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 1, 1)), List.of())) {
      FleetStatus result = t.result(t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO)))));

      List<String> memberEvents = result.timeline().stream().map(TimelineEntry::event)
          .filter(e -> e.matches("api-platform-cluster-\\S+: \\w+")).toList();
      assertThat(memberEvents).containsExactly(
          "api-platform-cluster-us-east1-b: drain", "api-platform-cluster-us-east1-b: upgrade",
          "api-platform-cluster-us-east1-b: verify", "api-platform-cluster-us-east1-b: uncordon",
          "api-platform-cluster-us-east1-c: drain", "api-platform-cluster-us-east1-c: upgrade",
          "api-platform-cluster-us-east1-c: verify", "api-platform-cluster-us-east1-c: uncordon",
          "api-platform-cluster-us-east1-d: drain", "api-platform-cluster-us-east1-d: upgrade",
          "api-platform-cluster-us-east1-d: verify", "api-platform-cluster-us-east1-d: uncordon");
    }
  }

  @Test
  void sevenDaySoakHoldsProductionForAWeek() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(autoThreeStages());

      FleetStatus soaking = t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().stage().equals("staging"));
      assertThat(soaking.state()).isEqualTo(FleetState.GATE);
      assertThat(soaking.gate().phase()).isEqualTo(GatePhase.SOAKING);
      Instant soakEnds = soaking.gate().until();
      assertThat(Duration.between(soaking.stage("staging").finishedAt(), soakEnds))
          .isBetween(Duration.ofDays(7), Duration.ofDays(7).plusMinutes(1));

      FleetStatus result = t.result(upgrade);
      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.stage("production").startedAt()).isAfterOrEqualTo(soakEnds);
    }
  }

  @Test
  void approvalGateRejectsEarlyOrWrongApprovalsAndPromotesOnApprove() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(threeStages(PromotionPolicy.auto(Duration.ZERO),
          new PromotionPolicy(Duration.ofDays(7), PromotionMode.APPROVAL, null)));

      FleetStatus soaking = t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().stage().equals("staging"));
      assertThat(soaking.gate().phase()).isEqualTo(GatePhase.SOAKING);
      assertThatThrownBy(() -> upgrade.approve("staging", "looks fine"))
          .isInstanceOf(WorkflowUpdateException.class)
          .rootCause().hasMessageContaining("staging is not waiting for approval: it is SOAKING until");
      assertThatThrownBy(() -> upgrade.approve("sandbox", "looks fine"))
          .rootCause().hasMessageContaining("sandbox is not at a promotion gate");
      assertThatThrownBy(() -> upgrade.approve("prod", "looks fine"))
          .rootCause().hasMessageContaining("unknown stage 'prod': stages are sandbox, staging, production");

      FleetStatus waiting = t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_APPROVAL);
      assertThatThrownBy(() -> upgrade.approve("staging", " "))
          .rootCause().hasMessageContaining("approve needs a reason");
      t.skip(Duration.ofDays(3));
      assertThat(upgrade.status().stage("production").state())
          .as("production waits for approval however long it takes").isEqualTo(StageState.PENDING);

      assertThat(upgrade.approve("staging", "no alerts in staging for a week"))
          .isEqualTo("approved: staging will be promoted to production");

      FleetStatus result = t.result(upgrade);
      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.approvals()).singleElement().satisfies(a -> {
        assertThat(a.stage()).isEqualTo("staging");
        assertThat(a.reason()).isEqualTo("no alerts in staging for a week");
      });
      assertThat(waiting.gate().detail()).contains("fleet-upgrade approve fleet-upgrade-v1.31.2 staging");
    }
  }

  @Test
  void windowGatePromotesAtTheNextWeeklyWindow() {
    WeeklyWindow tuesday = new WeeklyWindow(DayOfWeek.TUESDAY, LocalTime.of(15, 0), Duration.ofHours(4));
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(threeStages(PromotionPolicy.auto(Duration.ZERO),
          new PromotionPolicy(Duration.ofDays(1), PromotionMode.WINDOW, tuesday)));

      FleetStatus waiting = t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_WINDOW);
      // The test starts on Wednesday 2026-11-25; one day of soak, then the next Tuesday 15:00 UTC.
      assertThat(waiting.gate().until()).isEqualTo(Instant.parse("2026-12-01T15:00:00Z"));

      FleetStatus result = t.result(upgrade);
      Instant productionStart = result.stage("production").startedAt();
      assertThat(productionStart).isAfterOrEqualTo(Instant.parse("2026-12-01T15:00:00Z"));
      assertThat(productionStart.atZone(ZoneOffset.UTC).getDayOfWeek()).isEqualTo(DayOfWeek.TUESDAY);
    }
  }

  @Test
  void pauseHoldsTheUpgradeUntilResume() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(autoThreeStages());
      t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().stage().equals("sandbox"));
      assertThatThrownBy(() -> upgrade.resume("nothing to resume"))
          .rootCause().hasMessageContaining("not paused");

      assertThat(upgrade.pause("investigating an alert")).startsWith("paused");
      assertThatThrownBy(() -> upgrade.pause("again")).rootCause().hasMessageContaining("already paused");
      t.skip(Duration.ofDays(2));
      FleetStatus paused = upgrade.status();
      assertThat(paused.state()).isEqualTo(FleetState.PAUSED);
      assertThat(paused.stage("staging").state()).as("no new stage starts while paused").isEqualTo(StageState.PENDING);

      upgrade.resume("alert was unrelated");
      FleetStatus result = t.result(upgrade);
      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .contains("paused: investigating an alert", "resumed: alert was unrelated");
    }
  }

  @Test
  void pauseReachesTheRunningStage() {
    // The second member's upgrade blocks, so the stage is mid-way when the pause arrives.
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)),
        List.of(permanentFault("upgrade", "sandbox", MEMBER_C, 1)))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitStatus(upgrade, s -> s.state() == FleetState.BLOCKED);
      upgrade.pause("hold everything");
      upgrade.retry("fixed the host");
      t.skip(Duration.ofHours(1));
      StageStatus held = upgrade.status().stage("sandbox");
      assertThat(held.state()).isEqualTo(StageState.PAUSED);
      assertThat(held.step()).isEqualTo("upgrade:" + MEMBER_C);
      assertThat(t.fleet.faultsFired("upgrade")).as("the retry waits for resume").isEqualTo(1);
      assertThat(t.fleet.inventory("sandbox").members().get(1).kubeletVersion()).isEqualTo(FleetTestEnvironment.CURRENT);

      upgrade.resume("go on");
      assertThat(t.result(upgrade).state()).isEqualTo(FleetState.COMPLETED);
    }
  }

  @Test
  void aStepThatKeepsFailingBlocksTheStageUntilRetry() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(),
        List.of(permanentFault("upgrade", "production", MEMBER_C, 1)))) {
      FleetUpgradeWorkflow upgrade = t.start(autoThreeStages());
      assertThatThrownBy(() -> upgrade.retry("early")).rootCause().hasMessageContaining("nothing is blocked");

      FleetStatus blocked = t.awaitStatus(upgrade, s -> s.state() == FleetState.BLOCKED);
      assertThat(blocked.currentStage()).isEqualTo("production");
      assertThat(blocked.blockedStep()).isEqualTo("upgrade:" + MEMBER_C);
      assertThat(blocked.lastError()).contains("kubeadm preflight failed");
      StageStatus production = blocked.stage("production");
      assertThat(production.state()).isEqualTo(StageState.BLOCKED);
      assertThat(production.members()).extracting(m -> m.phase())
          .containsExactly(MemberPhase.DONE, MemberPhase.UPGRADING, MemberPhase.PENDING);

      assertThat(upgrade.retry("host repaired")).isEqualTo("retrying upgrade:" + MEMBER_C);
      FleetStatus result = t.result(upgrade);

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.stage("production").state()).isEqualTo(StageState.DONE);
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .contains("retrying upgrade:" + MEMBER_C + ": host repaired");
    }
  }

  @Test
  void anErrorIsClearedOnceTheRetriedStepPassesOrTheStepIsSkippedAndTheTimelineKeepsIt() {
    // Given member c's upgrade fails once (then passes), and member d's verify keeps failing
    String memberD = "api-platform-cluster-us-east1-d";
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)),
        List.of(permanentFault("upgrade", "sandbox", MEMBER_C, 1),
            new SimulatedFault("verify", "sandbox", memberD, 100, "kube-apiserver image is v1.30.5, want v1.31.2", false)))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitStatus(upgrade, s -> ("upgrade:" + MEMBER_C).equals(s.blockedStep()));

      // When c's upgrade is retried and passes
      upgrade.retry("host repaired");
      FleetStatus atD = t.awaitStatus(upgrade, s -> ("verify:" + memberD).equals(s.blockedStep()));

      // Then c's error is gone, at the fleet and in the stage: d blocks with its own
      assertThat(atD.lastError()).contains("want v1.31.2").doesNotContain("kubeadm preflight failed");
      assertThat(atD.stage("sandbox").lastError()).contains("want v1.31.2");
      assertThat(atD.timeline()).extracting(TimelineEntry::event)
          .anyMatch(e -> e.startsWith("BLOCKED at upgrade:" + MEMBER_C) && e.contains("kubeadm preflight failed"))
          .contains("upgrade:" + MEMBER_C + " passed on retry");

      // When d's verify is skipped, Then no error is left, and the timeline still tells both
      upgrade.skip("verify:" + memberD, "checked the static pods by hand");
      FleetStatus result = t.result(upgrade);
      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.lastError()).isNull();
      assertThat(result.stage("sandbox").lastError()).isNull();
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .anyMatch(e -> e.startsWith("BLOCKED at upgrade:" + MEMBER_C))
          .anyMatch(e -> e.startsWith("BLOCKED at verify:" + memberD));
    }
  }

  @Test
  void aStepEnteredWhilePausedIsInTheTimelineOnlyWhenItStarts() {
    // Given a member's upgrade takes a while (wall time), and one zone
    SimulatedStage oneZone = new SimulatedStage("sandbox", "mlab-sandbox", "us-east1", List.of("b"),
        "api-platform-cluster-{region}-{zone}", FleetTestEnvironment.CURRENT, 1, 1, 0);
    org.fleetupgrade.simulated.SimulatedTiming slowUpgrade = new org.fleetupgrade.simulated.SimulatedTiming(
        Duration.ZERO, Duration.ofSeconds(3), Duration.ZERO, Duration.ZERO, Duration.ZERO);
    String member = "api-platform-cluster-us-east1-b";
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(oneZone), List.of(), slowUpgrade)) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitProgress(upgrade, s -> s.stage("sandbox").members().stream()
          .anyMatch(m -> m.phase() == MemberPhase.UPGRADING));

      // When the upgrade is paused while the member's upgrade runs
      upgrade.pause("hold before verify");
      t.awaitProgress(upgrade, s -> s.timeline().stream().anyMatch(e -> e.event().startsWith(member + " upgraded")));
      t.skip(Duration.ofHours(1));
      FleetStatus held = upgrade.status();

      // Then verify is next (the stage says so), but the timeline does not say it started
      assertThat(held.state()).isEqualTo(FleetState.PAUSED);
      assertThat(t.client.newWorkflowStub(StageUpgradeWorkflow.class, "fleet-upgrade-v1.31.2/sandbox").status().step())
          .isEqualTo("verify:" + member);
      assertThat(held.timeline()).extracting(TimelineEntry::event)
          .contains(member + ": upgrade").doesNotContain(member + ": verify");

      // And once resumed, it starts, after the resume
      upgrade.resume("go on");
      FleetStatus result = t.result(upgrade);
      List<String> events = result.timeline().stream().map(TimelineEntry::event).toList();
      assertThat(events.indexOf(member + ": verify")).isGreaterThan(events.indexOf("resumed: go on"));
      Instant resumed = result.timeline().get(events.indexOf("resumed: go on")).at();
      assertThat(result.timeline().get(events.indexOf(member + ": verify")).at()).isAfterOrEqualTo(resumed);
    }
  }

  @Test
  void aTransientFaultIsRetriedWithoutBlocking() {
    SimulatedFault flaky = new SimulatedFault("upgrade", "staging", MEMBER_C, 2, "connection reset by peer", true);
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of(flaky))) {
      FleetStatus result = t.result(t.start(autoThreeStages()));

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.faultsFired("upgrade")).isEqualTo(2);
      assertThat(result.timeline()).extracting(TimelineEntry::event).noneMatch(e -> e.startsWith("BLOCKED"));
    }
  }

  @Test
  void skipNeedsTheBlockedStepAndAReasonAndIsRecorded() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)),
        List.of(permanentFault("verify", "sandbox", MEMBER_C, 100)))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      FleetStatus blocked = t.awaitStatus(upgrade, s -> s.state() == FleetState.BLOCKED);
      assertThat(blocked.blockedStep()).isEqualTo("verify:" + MEMBER_C);

      assertThatThrownBy(() -> upgrade.skip("node-tooling", "wrong step"))
          .rootCause().hasMessageContaining("step 'node-tooling' is not the blocked step 'verify:" + MEMBER_C + "'");
      assertThatThrownBy(() -> upgrade.skip("verify:" + MEMBER_C, ""))
          .rootCause().hasMessageContaining("skip needs a reason");
      assertThat(upgrade.status().state()).as("rejected updates change nothing").isEqualTo(FleetState.BLOCKED);

      upgrade.skip("verify:" + MEMBER_C, "checked the static pods by hand");
      FleetStatus result = t.result(upgrade);

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.stage("sandbox").skipped()).singleElement()
          .satisfies(s -> {
            assertThat(s.step()).isEqualTo("verify:" + MEMBER_C);
            assertThat(s.reason()).isEqualTo("checked the static pods by hand");
          });
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .contains("skipped verify:" + MEMBER_C + ": checked the static pods by hand");
    }
  }

  @Test
  void abortWhileAMemberIsDrainedUncordonsItIfReadyAndSaysSo() {
    // Given a member blocked at its verify step, drained (cordoned) for its upgrade
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)),
        List.of(permanentFault("verify", "sandbox", MEMBER_C, 100)))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitStatus(upgrade, s -> ("verify:" + MEMBER_C).equals(s.blockedStep()));
      assertThat(t.fleet.memberCordoned("sandbox", MEMBER_C)).isTrue();

      // When the upgrade is aborted
      upgrade.abort("rolling back by hand");
      FleetStatus result = t.result(upgrade);

      // Then the member serves again (it is Ready), and the timeline says so
      assertThat(result.stage("sandbox").state()).isEqualTo(StageState.ABORTED);
      assertThat(t.fleet.memberCordoned("sandbox", MEMBER_C)).isFalse();
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .contains("aborted: " + MEMBER_C + " uncordoned: it is Ready (simulated)");
    }
  }

  @Test
  void skippingAStepTheFleetNeedsIsCaughtByHealthVerification() {
    // Skipping node tooling leaves the virtual node on the old kubelet: the stage does not
    // converge, and says so, instead of reporting success.
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)),
        List.of(permanentFault("node-tooling", "sandbox", null, 100)))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitStatus(upgrade, s -> "node-tooling".equals(s.blockedStep()));
      upgrade.skip("node-tooling", "will do it later");

      FleetStatus blocked = t.awaitStatus(upgrade, s -> "health".equals(s.blockedStep()));
      assertThat(blocked.lastError()).contains("not converged within 2h: 7/8 nodes at target");
    }
  }

  @Test
  void aRejectedPathBlocksBeforeAnyStageAndPreflightCannotBeSkipped() {
    SimulatedStage alreadyNewer = new SimulatedStage("sandbox", "mlab-sandbox", "us-west2", List.of("a"),
        "api-platform-cluster-{region}-{zone}", org.fleetupgrade.version.ReleaseVersion.parse("v1.32.0"), 1, 1, 0);
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(alreadyNewer), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      FleetStatus review = t.awaitStatus(upgrade, s -> s.state() == FleetState.BLOCKED);
      assertThat(review.blockedStep()).isEqualTo("changelog-review");
      assertThat(review.lastError()).contains("v1.31.2 is older than the running v1.32.0");
      assertThat(review.stage("sandbox").state()).isEqualTo(StageState.PENDING);

      upgrade.skip("changelog-review", "read it by hand");
      FleetStatus blocked = t.awaitStatus(upgrade, s -> "preflight".equals(s.blockedStep()));
      assertThat(blocked.lastError()).contains("v1.31.2 is older than the running v1.32.0");
      assertThatThrownBy(() -> upgrade.skip("preflight", "I know better"))
          .rootCause().hasMessageContaining("cannot be skipped");
      upgrade.abort("wrong target");
      assertThat(t.result(upgrade).state()).isEqualTo(FleetState.ABORTED);
    }
  }

  @Test
  void abortDuringTheRollingRebootLetsNodesInFlightComeBackUncordonedAndReleasesKuredsLock() {
    // Given a stage whose rolling reboot has nodes in flight (12 nodes, 3 at once) and holds kured's lock
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("staging", 6, 2)), List.of())) {
      // (reboots of 45 minutes: status polls move test time 20 minutes at a time)
      t.fleet.rebootTimes(Duration.ofMinutes(45), 0, 1);
      StagePlan plan = new StagePlan("staging", "mlab-staging", "us-east1", List.of("b", "c", "d"), Duration.ofHours(2),
          new RebootBudget(3, 1, Duration.ofMinutes(30), 1, 2, Duration.ofHours(3), null),
          PromotionPolicy.auto(Duration.ZERO));
      FleetUpgradeWorkflow upgrade = t.start(request(plan));
      t.awaitStatus(upgrade, s -> s.stage("staging").reboot() != null && s.stage("staging").reboot().inFlight() > 0
          && !s.stage("staging").reboot().canary());
      assertThat(t.fleet.kuredLockHolder("staging"))
          .isEqualTo("fleet-upgrade/fleet-upgrade-v1.31.2/staging/rollout");

      // When the upgrade is aborted
      upgrade.abort("a site reports trouble");
      FleetStatus result = t.result(upgrade);

      // Then the stage is aborted only after the nodes in flight came back: none is left cordoned,
      // none was left halfway, not every node was rebooted, and kured may reboot nodes again
      assertThat(result.state()).isEqualTo(FleetState.ABORTED);
      assertThat(result.stage("staging").state()).isEqualTo(StageState.ABORTED);
      int rebooted = t.fleet.rebootCount("staging");
      assertThat(rebooted).isBetween(2, 11);
      assertThat(t.fleet.cordoned("staging")).isZero();
      assertThat(t.fleet.platformKubelets("staging").values().stream().filter(TARGET.kubernetes()::equals).count())
          .as("every node rebooted is back at the target").isEqualTo(rebooted);
      assertThat(t.fleet.kuredLockHolder("staging")).isNull();
    }
  }

  @Test
  void abortStopsTheUpgradeAndLeavesLaterStagesUntouched() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(),
        List.of(permanentFault("reboot", "staging", null, 100)))) {
      FleetUpgradeWorkflow upgrade = t.start(autoThreeStages());
      t.awaitStatus(upgrade, s -> s.state() == FleetState.BLOCKED);
      assertThatThrownBy(() -> upgrade.abort(null)).rootCause().hasMessageContaining("abort needs a reason");

      upgrade.abort("images are bad, rolling back by hand");
      FleetStatus result = t.result(upgrade);

      assertThat(result.state()).isEqualTo(FleetState.ABORTED);
      assertThat(result.stage("staging").state()).isEqualTo(StageState.ABORTED);
      assertThat(result.stage("production").state()).isEqualTo(StageState.PENDING);
      assertThat(t.fleet.clusterVersion("production")).isEqualTo(FleetTestEnvironment.CURRENT);
      assertThatThrownBy(() -> upgrade.pause("too late")).as("a finished upgrade takes no more input")
          .isInstanceOf(RuntimeException.class);
    }
  }

  @Test
  void startingTheSameVersionAgainFindsTheRunningUpgrade() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetUpgradeWorkflow first = t.start(autoThreeStages());
      WorkflowExecution running = WorkflowStub.fromTyped(first).getExecution();

      FleetUpgradeWorkflow second = t.client.newWorkflowStub(FleetUpgradeWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(autoThreeStages().workflowId()).setTaskQueue(FleetWorkflows.TASK_QUEUE).build());
      assertThatThrownBy(() -> WorkflowClient.start(second::run, autoThreeStages()))
          .isInstanceOfSatisfying(WorkflowExecutionAlreadyStarted.class,
              e -> assertThat(e.getExecution().getRunId()).isEqualTo(running.getRunId()));
    }
  }

  @Test
  void aStageAlreadyAtTheTargetIsVerifiedAndLeftAlone() {
    SimulatedStage done = new SimulatedStage("sandbox", "mlab-sandbox", "us-west2", List.of("a"),
        "api-platform-cluster-{region}-{zone}", TARGET.kubernetes(), 2, 2, 1);
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(done), List.of())) {
      FleetStatus result = t.result(t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO)))));

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.stage("sandbox").state()).isEqualTo(StageState.ALREADY_AT_TARGET);
      assertThat(t.fleet.rebootCount("sandbox")).isZero();
    }
  }

  @Test
  void statusQueryWebUiDetailsAndSearchAttributesTellWhereItStands() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(autoThreeStages());
      FleetStatus gate = t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().stage().equals("staging"));

      assertThat(gate.upgradeId()).isEqualTo("fleet-upgrade-v1.31.2");
      assertThat(gate.target()).isEqualTo(TARGET);
      assertThat(gate.currentStage()).isEqualTo("staging");
      assertThat(gate.gate().next()).isEqualTo("production");
      assertThat(gate.gate().until()).isAfter(t.now());
      StageStatus staging = gate.stage("staging");
      assertThat(staging.members()).hasSize(3).allSatisfy(m -> assertThat(m.phase()).isEqualTo(MemberPhase.DONE));
      assertThat(staging.nodes().atTarget()).isEqualTo(staging.nodes().total()).isEqualTo(3 + 6 + 1);
      assertThat(staging.lastHealth().converged()).isTrue();
      assertThat(gate.stage("production").state()).isEqualTo(StageState.PENDING);
      assertThat(gate.timeline()).isSortedAccordingTo((a, b) -> a.at().compareTo(b.at()));
      assertThat(gate.timeline()).extracting(TimelineEntry::event)
          .contains("rolling reboot: 6/6 done (6 rebooted, 0 already at target, 0 left alone), 0 in flight, 0 failed,"
              + " 0 to go", "gate staging -> production: SOAKING until "
              + gate.gate().until().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (soak 7d)");

      WorkflowStub stub = WorkflowStub.fromTyped(upgrade);
      WorkflowExecutionDescription description = t.client.newUntypedWorkflowStub(stub.getExecution(), java.util.Optional.empty()).describe();
      assertThat(description.getTypedSearchAttributes().get(SearchAttributes.VERSION)).isEqualTo("v1.31.2");
      assertThat(description.getTypedSearchAttributes().get(SearchAttributes.STAGE)).isEqualTo("staging");
      assertThat(description.getTypedSearchAttributes().get(SearchAttributes.STATE)).isEqualTo("GATE");
      WorkflowMetadata metadata = stub.query("__temporal_workflow_metadata", WorkflowMetadata.class);
      assertThat(metadata.getCurrentDetails()).contains("## Upgrade to v1.31.2: **GATE**")
          .contains("**Gate** staging -> production: SOAKING");
      // The rolling reboot's details, as the rollout last told its stage: in the status and the stage's details
      assertThat(staging.reboot().done()).isEqualTo(6);
      assertThat(staging.reboot().slowest()).isNotNull();
      assertThat(staging.reboot().meanRebootSeconds()).isPositive();
      WorkflowMetadata stageDetails = t.client.newUntypedWorkflowStub("fleet-upgrade-v1.31.2/staging")
          .query("__temporal_workflow_metadata", WorkflowMetadata.class);
      assertThat(stageDetails.getCurrentDetails()).contains("**Rolling reboot**: 6/6 done (6 rebooted", "slowest: ");
    }
  }

  @Test
  void urgentNotesWaitForAnAcknowledgementBeforeAnyStage() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)), List.of(),
        org.fleetupgrade.simulated.SimulatedTiming.INSTANT, List.of("kubelet flag --keep-terminated-pod-volumes was removed"))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));

      FleetStatus waiting = t.awaitStatus(upgrade, s -> s.gate() != null);
      assertThat(waiting.state()).isEqualTo(FleetState.GATE);
      assertThat(waiting.gate().phase()).isEqualTo(GatePhase.WAITING_ACKNOWLEDGEMENT);
      assertThat(waiting.gate().next()).isEqualTo("sandbox");
      assertThat(waiting.review().urgentNotes()).extracting(n -> n.release() + ": " + n.text())
          .containsExactly("v1.31.0: kubelet flag --keep-terminated-pod-volumes was removed");
      assertThat(waiting.review().path()).extracting(Object::toString).containsExactly("v1.30.5", "v1.31.2");
      WorkflowMetadata metadata = WorkflowStub.fromTyped(upgrade).query("__temporal_workflow_metadata", WorkflowMetadata.class);
      assertThat(metadata.getCurrentDetails()).contains("**Gate** changelog -> sandbox: WAITING_ACKNOWLEDGEMENT",
          "- urgent [v1.31.0] kubelet flag --keep-terminated-pod-volumes was removed");
      t.skip(Duration.ofDays(2));
      assertThat(upgrade.status().stage("sandbox").state()).as("nothing is touched before acknowledge")
          .isEqualTo(StageState.PENDING);
      assertThat(t.fleet.clusterVersion("sandbox")).isEqualTo(FleetTestEnvironment.CURRENT);
      assertThatThrownBy(() -> upgrade.acknowledge("")).rootCause().hasMessageContaining("acknowledge needs a reason");

      assertThat(upgrade.acknowledge("read the 1.31 urgent notes; no terminated-pod volumes here"))
          .isEqualTo("acknowledged: the upgrade goes on with sandbox");
      FleetStatus result = t.result(upgrade);

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .contains("review acknowledged: read the 1.31 urgent notes; no terminated-pod volumes here");
    }
  }

  @Test
  void acknowledgeIsRejectedWhenNothingWaitsForIt() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(threeStages(), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(autoThreeStages());
      t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().stage().equals("sandbox"));
      assertThatThrownBy(() -> upgrade.acknowledge("read it"))
          .rootCause().hasMessageContaining("nothing to acknowledge: the upgrade is at GATE in sandbox");
    }
  }

  @Test
  void startAcknowledgedPassesTheGateAndSaysSo() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 1, 1)), List.of(),
        org.fleetupgrade.simulated.SimulatedTiming.INSTANT, List.of("an urgent note"))) {
      UpgradeRequest acknowledged = new UpgradeRequest(TARGET,
          List.of(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))), true, false);

      FleetStatus result = t.result(t.start(acknowledged));

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(result.timeline()).extracting(TimelineEntry::event)
          .contains("review acknowledged at start (start --acknowledge)")
          .noneMatch(e -> e.contains("WAITING_ACKNOWLEDGEMENT"));
    }
  }
}
