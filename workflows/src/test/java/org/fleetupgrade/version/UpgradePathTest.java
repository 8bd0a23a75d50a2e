package org.fleetupgrade.version;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpgradePathTest {

  private static ReleaseVersion v(String text) {
    return ReleaseVersion.parse(text);
  }

  @Test
  void pathGoesThroughTheLatestPatchOfEachIntermediateMinor() {
    var path = UpgradePath.plan(v("v1.28.3"), v("v1.31.2"), minor -> ReleaseVersion.of(1, minor, 10 + minor));
    assertThat(UpgradePath.describe(path)).isEqualTo("v1.28.3 -> v1.29.39 -> v1.30.40 -> v1.31.2");
    assertThat(UpgradePath.plan(v("v1.30.5"), v("v1.31.2"), minor -> { throw new AssertionError(); }))
        .containsExactly(v("v1.30.5"), v("v1.31.2"));
  }

  @Test
  void aTargetNewerThanStableOrAPreReleaseNeedsAllowPrerelease() {
    assertThat(UpgradePath.checkAgainstStable(v("v1.33.0"), v("v1.32.3"), false)).hasValue(
        "v1.33.0 is newer than the latest stable release v1.32.3 (stable.txt): pass --allow-prerelease to upgrade to it anyway");
    assertThat(UpgradePath.checkAgainstStable(v("v1.32.0-rc.1"), v("v1.32.3"), false)).get().asString()
        .startsWith("v1.32.0-rc.1 is a pre-release");
    assertThat(UpgradePath.checkAgainstStable(v("v1.33.0"), v("v1.32.3"), true)).isEmpty();
    assertThat(UpgradePath.checkAgainstStable(v("v1.32.3"), v("v1.32.3"), false)).isEmpty();
  }

  @Test
  void warnsWhenStillMoreThanTwoMinorsBehind() {
    assertThat(UpgradePath.staleness(v("v1.31.2"), v("v1.34.1"))).get().asString()
        .isEqualTo("after this upgrade the fleet is still 3 minors behind the latest stable v1.34.1 (more than 2):"
            + " plan the next upgrade soon");
    assertThat(UpgradePath.staleness(v("v1.32.2"), v("v1.34.1"))).isEmpty();
  }
}
