package org.fleetupgrade.status;

import java.time.Instant;
import java.util.List;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.images.StageImages;
import org.fleetupgrade.reboot.rollout.RolloutProgress;

/**
 * A stage's snapshot. {@code blockedStep} is set only while BLOCKED; {@code lastError} is the
 * error the step blocked with, kept while it is retried and cleared once it passes or is skipped (the
 * timeline keeps it: "BLOCKED at ..."), so it never shows an error that no longer holds. {@code images} is what the
 * image step pushed, built and pointed (null until it starts). {@code reboot} is the rolling
 * reboot as it last told (bounded: the nodes longest in flight, the first failed; null before it
 * starts, and in upgrades from before it told details). {@code stepSince} is when {@code step} started
 * (or was last retried); null before, and in snapshots from before it was kept. {@code alerts} is
 * what the stage's alert gate waits on now (the blocking alerts: name, labels, since when; or why
 * the endpoint cannot be read); null when it waits on none.
 */
public record StageStatus(
    String name,
    StageState state,
    String step,
    String blockedStep,
    String lastError,
    List<MemberStatus> members,
    NodeConvergence nodes,
    HealthReport lastHealth,
    List<SkippedStep> skipped,
    Instant startedAt,
    Instant finishedAt,
    StageImages images,
    RolloutProgress reboot,
    Instant stepSince,
    org.fleetupgrade.alerts.AlertCheck alerts) {

  public StageStatus(String name, StageState state, String step, String blockedStep, String lastError,
      List<MemberStatus> members, NodeConvergence nodes, HealthReport lastHealth, List<SkippedStep> skipped,
      Instant startedAt, Instant finishedAt, StageImages images, RolloutProgress reboot, Instant stepSince) {
    this(name, state, step, blockedStep, lastError, members, nodes, lastHealth, skipped, startedAt, finishedAt, images,
        reboot, stepSince, null);
  }

  public StageStatus {
    members = List.copyOf(members);
    skipped = List.copyOf(skipped);
  }

  public StageStatus withReboot(RolloutProgress progress) {
    return new StageStatus(name, state, step, blockedStep, lastError, members, nodes, lastHealth, skipped, startedAt,
        finishedAt, images, progress, stepSince, alerts);
  }

  public static StageStatus pending(String name) {
    return new StageStatus(name, StageState.PENDING, null, null, null, List.of(),
        NodeConvergence.UNKNOWN, null, List.of(), null, null, null, null, null);
  }
}
