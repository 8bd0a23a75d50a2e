package org.fleetupgrade.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.changelog.ReviewRequest;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Test;

/** The simulated changelog refuses what the real one refuses, so `demo` and `dev` teach the real rules. */
class SimulatedChangelogTest {

  private static final List<ReleaseVersion> CURRENT = List.of(ReleaseVersion.parse("v1.31.2"));

  private final SimulatedFleet fleet = new SimulatedFleet(List.of(), SimulatedTiming.INSTANT, List.of());
  private final SimulatedChangelogActivities changelog = new SimulatedChangelogActivities(fleet);

  private static ReviewRequest request(String kubernetes, String cni, boolean allowPrerelease) {
    return new ReviewRequest(TargetVersions.parse(kubernetes, cni, "v1.31.1"), CURRENT, allowPrerelease);
  }

  private void assertRejected(ReviewRequest request, String reason) {
    assertThatThrownBy(() -> changelog.review(request)).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(ChangelogActivities.PATH_REJECTED);
      assertThat(e.isNonRetryable()).isTrue();
      assertThat(e.getOriginalMessage()).isEqualTo(reason);
    });
  }

  @Test
  void aTargetNewerThanTheSimulatedStableReleaseNeedsAllowPrerelease() {
    assertRejected(request("v1.32.5", "v1.6.2", false), "v1.32.5 is newer than the latest stable release v1.32.4"
        + " (the simulated stable.txt: simulation.latestStable): pass --allow-prerelease to upgrade to it anyway");
    assertThat(changelog.review(request("v1.32.5", "v1.6.2", true)).target()).hasToString("v1.32.5");
  }

  @Test
  void aPrereleaseTargetNeedsAllowPrereleaseEvenBelowStable() {
    fleet.latestStable(ReleaseVersion.parse("v1.33.1"));
    assertRejected(request("v1.32.0-rc.1", "v1.6.2", false),
        "v1.32.0-rc.1 is a pre-release: pass --allow-prerelease to upgrade to it anyway");
  }

  @Test
  void aPrereleaseCniIsRefusedEvenWithAllowPrerelease() {
    assertRejected(request("v1.32.0", "v1.7.0-rc.1", true),
        "cni v1.7.0-rc.1 is a pre-release: CNI plugins must be a release version");
  }

  @Test
  void theReviewNamesTheStableReleaseAndWarnsWhenTheFleetStaysFarBehind() {
    fleet.latestStable(ReleaseVersion.parse("v1.35.0"));
    ChangelogReview review = changelog.review(request("v1.32.3", "v1.6.2", false));
    assertThat(review.latestStable()).hasToString("v1.35.0");
    assertThat(review.warnings()).anyMatch(w -> w.contains("still 3 minors behind the latest stable v1.35.0"));
  }
}
