package org.fleetupgrade.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReleaseVersionTest {

  @Test
  void parsesReleaseAndPreRelease() {
    assertThat(ReleaseVersion.parse("v1.31.2")).isEqualTo(ReleaseVersion.of(1, 31, 2));
    ReleaseVersion rc = ReleaseVersion.parse("v1.32.0-rc.1");
    assertThat(rc.isPreRelease()).isTrue();
    assertThat(rc.preRelease()).isEqualTo("rc.1");
    assertThat(rc).hasToString("v1.32.0-rc.1");
    assertThat(rc.minorLine()).isEqualTo("1.32");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.31.2", "v1.31", "v1.31.2.3", "v01.31.2", "v1.31.2;reboot", "latest",
      "v1.31.x", "v1.31.2-", "v1.31.2-rc 1", "v1.31.2-$(id)"})
  void rejectsAnythingElseNamingTheInput(String text) {
    assertThatThrownBy(() -> ReleaseVersion.parse(text))
        .isInstanceOf(InvalidVersionException.class)
        .hasMessageContaining("is not a release version: expected vMAJOR.MINOR.PATCH");
  }

  @Test
  void rejectsMissingVersion() {
    assertThatThrownBy(() -> ReleaseVersion.parse(" ")).hasMessageContaining("a version is required");
  }

  @Test
  void ordersNumericallyWithPreReleasesBeforeTheRelease() {
    assertThat(ReleaseVersion.parse("v1.9.0")).isLessThan(ReleaseVersion.parse("v1.10.0"));
    assertThat(ReleaseVersion.parse("v1.31.0-rc.1")).isLessThan(ReleaseVersion.parse("v1.31.0"));
    assertThat(ReleaseVersion.parse("v1.31.0-alpha.1")).isLessThan(ReleaseVersion.parse("v1.31.0-beta.0"));
  }

  @Test
  void targetVersionsNameTheBadOneAndWarnAboutSkewAndPreReleases() {
    assertThatThrownBy(() -> TargetVersions.parse("v1.31.2", "1.6.2", "v1.31.1"))
        .hasMessageStartingWith("cni version: '1.6.2' is not a release version");
    TargetVersions odd = TargetVersions.parse("v1.32.0-rc.1", "v1.6.2", "v1.30.0");
    assertThat(odd.warnings()).containsExactly(
        "kubernetes v1.32.0-rc.1 is a pre-release",
        "crictl v1.30.0 is not on kubernetes' minor 1.32 (cri-tools releases track Kubernetes minors)");
    assertThat(TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1").warnings()).isEmpty();
  }
}
