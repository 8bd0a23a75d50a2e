package org.fleetupgrade.status;

import java.time.Instant;
import java.util.List;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.images.StageImages;

/**
 * A stage's snapshot. {@code blockedStep} is set only while BLOCKED; {@code lastError} keeps the
 * last failure even after a retry, so an operator can see what happened. {@code images} is what the
 * image step pushed, built and pointed (null until it starts).
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
    StageImages images) {

  public StageStatus {
    members = List.copyOf(members);
    skipped = List.copyOf(skipped);
  }

  public static StageStatus pending(String name) {
    return new StageStatus(name, StageState.PENDING, null, null, null, List.of(),
        NodeConvergence.UNKNOWN, null, List.of(), null, null, null);
  }
}
