package org.fleetupgrade.simulated;

import java.util.List;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.version.TargetVersions;

/** Stands in for the changelog reader: a fixed note, and the version warnings of the target. */
public class SimulatedChangelogActivities implements ChangelogActivities {

  private final SimulatedFleet fleet;

  public SimulatedChangelogActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public ChangelogReview review(TargetVersions target) {
    fleet.maybeFail("changelog", null, null);
    return new ChangelogReview("simulated CHANGELOG-" + target.kubernetes().minorLine() + ".md",
        List.of(), target.warnings());
  }
}
