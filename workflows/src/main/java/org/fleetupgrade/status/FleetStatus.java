package org.fleetupgrade.status;

import java.util.List;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.resume.Resumption;
import org.fleetupgrade.version.TargetVersions;

/**
 * The one structured snapshot the {@code status} query returns, and the final report. The
 * timeline keeps the newest {@link #TIMELINE_LIMIT} entries; {@code timelineDropped} counts the rest.
 * {@code resumed} is what this run carried from the run before it (null for a first run), so the
 * run after this one can carry it on.
 */
public record FleetStatus(
    String upgradeId,
    TargetVersions target,
    FleetState state,
    boolean paused,
    String currentStage,
    GateStatus gate,
    String blockedStep,
    String lastError,
    ChangelogReview review,
    List<StageStatus> stages,
    List<Approval> approvals,
    List<TimelineEntry> timeline,
    int timelineDropped,
    Resumption resumed) {

  public static final int TIMELINE_LIMIT = 400;

  public FleetStatus {
    stages = List.copyOf(stages);
    approvals = List.copyOf(approvals);
    timeline = List.copyOf(timeline);
  }

  public StageStatus stage(String name) {
    return stages.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
  }
}
