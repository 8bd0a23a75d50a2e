package org.fleetupgrade.simulated;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.changelog.ReleaseNote;
import org.fleetupgrade.changelog.ReviewRequest;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.UpgradeDecision;
import org.fleetupgrade.version.UpgradePolicy;

/**
 * Stands in for the changelog reader offline: the configured urgent notes (as if from the target's
 * .0 release), the target's version warnings, and the same path rules as the real review.
 */
public class SimulatedChangelogActivities implements ChangelogActivities {

  private final SimulatedFleet fleet;

  public SimulatedChangelogActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public ChangelogReview review(ReviewRequest request) {
    fleet.maybeFail("changelog", null, null);
    ReleaseVersion target = request.target().kubernetes();
    ReleaseVersion current = request.oldestCurrent();
    if (current != null) {
      UpgradeDecision decision = UpgradePolicy.decide(current, target);
      if (!decision.allowed()) {
        throw ApplicationFailure.newNonRetryableFailure(decision.reason(), PATH_REJECTED);
      }
    }
    String zero = "v" + target.major() + "." + target.minor() + ".0";
    List<ReleaseNote> urgent = fleet.changelogNotes().stream().map(n -> new ReleaseNote(zero, n)).toList();
    return new ChangelogReview("simulated CHANGELOG-" + target.minorLine() + ".md", current, target, target,
        current == null ? List.of(target) : List.of(current, target), urgent, List.of(), List.of(), List.of(),
        request.target().warnings(), 0);
  }
}
