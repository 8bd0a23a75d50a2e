package org.fleetupgrade.simulated;

import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.changelog.ReleaseNote;
import org.fleetupgrade.changelog.ReviewRequest;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.UpgradeDecision;
import org.fleetupgrade.version.UpgradePath;
import org.fleetupgrade.version.UpgradePolicy;

/**
 * Stands in for the changelog reader offline: the configured urgent notes (as if from the target's
 * .0 release), the target's version warnings, and the same rules as the real review, so `demo` and
 * `dev` refuse what a real fleet would: a pre-release CNI, a pre-release target or one newer than
 * the (simulated) latest stable release without --allow-prerelease, a downgrade, a skipped minor.
 */
public class SimulatedChangelogActivities implements ChangelogActivities {

  private final SimulatedFleet fleet;

  public SimulatedChangelogActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  private static ApplicationFailure rejected(String reason) {
    return ApplicationFailure.newNonRetryableFailure(reason, PATH_REJECTED);
  }

  @Override
  public ChangelogReview review(ReviewRequest request) {
    fleet.maybeFail("changelog", null, null);
    ReleaseVersion target = request.target().kubernetes();
    ReleaseVersion current = request.oldestCurrent();
    if (request.target().cni().isPreRelease()) {
      throw rejected("cni " + request.target().cni() + " is a pre-release: CNI plugins must be a release version");
    }
    ReleaseVersion stable = fleet.latestStable();
    UpgradePath.checkAgainstStable(target, stable, request.allowPrerelease()).ifPresent(reason -> {
      throw rejected(reason.replace("(stable.txt)", "(the simulated stable.txt: simulation.latestStable)"));
    });
    if (current != null) {
      UpgradeDecision decision = UpgradePolicy.decide(current, target);
      if (!decision.allowed()) {
        throw rejected(decision.reason());
      }
    }
    String zero = "v" + target.major() + "." + target.minor() + ".0";
    List<ReleaseNote> urgent = fleet.changelogNotes().stream().map(n -> new ReleaseNote(zero, n)).toList();
    List<String> warnings = new ArrayList<>(request.target().warnings());
    UpgradePath.staleness(target, stable).ifPresent(warnings::add);
    return new ChangelogReview("simulated CHANGELOG-" + target.minorLine() + ".md", current, target, stable,
        current == null ? List.of(target) : List.of(current, target), urgent, List.of(), List.of(), List.of(),
        warnings, 0);
  }
}
