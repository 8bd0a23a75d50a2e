package org.fleetupgrade.resume;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.StageImages;
import org.fleetupgrade.status.Approval;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.NodeConvergence;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Test;

class ResumptionTest {

  private static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

  private static StageStatus stage(String name, StageState state, Instant started, Instant finished, String commit) {
    StageImages images = commit == null ? null : new StageImages(
        new ImageRelease(name, "ref", commit, List.of(), false, "latest", started),
        new ImageBuild(name, "ref", "build-1", "latest", commit, null), null);
    return new StageStatus(name, state, null, null, null, List.of(), NodeConvergence.UNKNOWN, null, List.of(), started,
        finished, images, null, null);
  }

  private static FleetStatus run(List<StageStatus> stages, List<Approval> approvals, Resumption resumed) {
    return new FleetStatus("fleet-upgrade-v1.31.2", TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1"),
        FleetState.ABORTED, false, null, null, null, null, null, stages, approvals, List.of(), 0, resumed);
  }

  @Test
  void carriesWhatTheRunEstablishedForEachStageItFinished() {
    // Given a run aborted in production, after sandbox was approved and promoted and staging soaked partly
    FleetStatus aborted = run(List.of(
        stage("sandbox", StageState.DONE, T0, T0.plusSeconds(3600), "aaa"),
        stage("staging", StageState.DONE, T0.plusSeconds(90_000), T0.plusSeconds(93_600), "bbb"),
        stage("production", StageState.ABORTED, T0.plusSeconds(700_000), null, null)),
        List.of(new Approval("sandbox", "quiet", T0.plusSeconds(90_000))), null);

    Resumption resumption = Resumption.of("run-1", "ABORTED", aborted);

    assertThat(resumption.acknowledged()).isTrue();
    assertThat(resumption.stage("sandbox"))
        .isEqualTo(new CarriedStage("sandbox", T0.plusSeconds(3600), T0.plusSeconds(90_000), "quiet", "aaa"));
    assertThat(resumption.stage("staging"))
        .isEqualTo(new CarriedStage("staging", T0.plusSeconds(93_600), T0.plusSeconds(700_000), null, "bbb"));
    assertThat(resumption.stage("production")).as("an unfinished stage carries nothing").isNull();
  }

  @Test
  void aRunThatFoundAStageDoneCarriesOnWhatItHadCarried() {
    // Given run 2 found sandbox done (carried from run 1) and was aborted while sandbox soaked
    Resumption fromRun1 = new Resumption("run-1", "ABORTED", true,
        List.of(new CarriedStage("sandbox", T0, null, "quiet", "aaa")));
    FleetStatus run2 = run(List.of(
        stage("sandbox", StageState.ALREADY_AT_TARGET, T0.plusSeconds(50_000), T0.plusSeconds(50_001), null),
        stage("staging", StageState.PENDING, null, null, null)), List.of(), fromRun1);

    Resumption resumption = Resumption.of("run-2", "TERMINATED", run2);

    // Then run 3 soaks from when sandbox reached the target in run 1, with run 1's approval and images
    assertThat(resumption.stage("sandbox")).isEqualTo(new CarriedStage("sandbox", T0, null, "quiet", "aaa"));
    assertThat(resumption.acknowledged()).isTrue();
  }

  @Test
  void aRunThatStartedNoStageCarriesNoAcknowledge() {
    FleetStatus reviewing = run(List.of(stage("sandbox", StageState.PENDING, null, null, null)), List.of(), null);
    Resumption resumption = Resumption.of("run-1", "TERMINATED", reviewing);
    assertThat(resumption.acknowledged()).isFalse();
    assertThat(resumption.stages()).isEmpty();
  }
}
