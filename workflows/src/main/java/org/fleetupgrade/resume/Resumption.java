package org.fleetupgrade.resume;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.status.Approval;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.StageStatus;

/**
 * A new run of an upgrade whose previous run ended without finishing (aborted, failed, terminated):
 * what that run had already established, so the new one skips it. The stages themselves need no
 * carrying: every step looks at the fleet and skips what is done. What would otherwise be repeated
 * are the waits: the acknowledge, the soaks and the approvals.
 *
 * @param previousRunId the run this one follows
 * @param previousOutcome how it ended, as Temporal or the upgrade said (ABORTED, TERMINATED, FAILED...)
 * @param acknowledged the previous run's changelog review was acknowledged, or needed no acknowledgement
 */
public record Resumption(String previousRunId, String previousOutcome, boolean acknowledged, List<CarriedStage> stages) {

  public Resumption {
    stages = stages == null ? List.of() : List.copyOf(stages);
  }

  /**
   * What {@code previous}, the last status of the previous run, established. A promotion gate was
   * passed when the next stage started; a stage reached its target when it finished DONE or
   * ALREADY_AT_TARGET; the acknowledge was given when any stage started. What that run had
   * carried itself from the one before (a stage it found done) is carried on: the earlier time at
   * the target, the approval, the images built.
   */
  public static Resumption of(String previousRunId, String previousOutcome, FleetStatus previous) {
    List<StageStatus> stages = previous.stages();
    Resumption before = previous.resumed();
    boolean anyStarted = stages.stream().anyMatch(s -> s.state() != StageState.PENDING);
    List<CarriedStage> carried = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      StageStatus stage = stages.get(i);
      CarriedStage earlier = before == null || stage.state() != StageState.ALREADY_AT_TARGET ? null
          : before.stage(stage.name());
      boolean done = stage.state() == StageState.DONE || stage.state() == StageState.ALREADY_AT_TARGET;
      StageStatus next = i + 1 < stages.size() ? stages.get(i + 1) : null;
      boolean promoted = done && next != null && next.state() != StageState.PENDING;
      String approval = previous.approvals().stream().filter(a -> a.stage().equals(stage.name()))
          .map(Approval::reason).reduce((first, last) -> last)
          .orElse(earlier == null ? null : earlier.approval());
      Instant reached = !done ? null
          : earlier != null && earlier.reachedTarget() != null ? earlier.reachedTarget() : stage.finishedAt();
      Instant promotedAt = promoted ? (next.startedAt() != null ? next.startedAt() : stage.finishedAt())
          : earlier == null ? null : earlier.promoted();
      String commit = builtCommit(stage);
      if (commit == null && earlier != null) {
        commit = earlier.imagesCommit();
      }
      if (done || approval != null) {
        carried.add(new CarriedStage(stage.name(), reached, promotedAt, approval, done ? commit : null));
      }
    }
    return new Resumption(previousRunId, previousOutcome, anyStarted, carried);
  }

  /** The commit a stage's image step pushed and saw built, or null. */
  private static String builtCommit(StageStatus stage) {
    return stage.images() != null && stage.images().build() != null && stage.images().release() != null
        ? stage.images().release().commit() : null;
  }

  /** What was carried for {@code stage}, or null. */
  public CarriedStage stage(String stage) {
    return stages.stream().filter(s -> s.stage().equals(stage)).findFirst().orElse(null);
  }

  /** The previous run's id, shortened for the timeline. */
  public String shortRunId() {
    return previousRunId == null || previousRunId.length() <= 8 ? String.valueOf(previousRunId)
        : previousRunId.substring(0, 8);
  }
}
