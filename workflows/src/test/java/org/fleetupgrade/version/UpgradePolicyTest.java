package org.fleetupgrade.version;

import static org.assertj.core.api.Assertions.assertThat;

import org.fleetupgrade.version.UpgradeDecision.Kind;
import org.junit.jupiter.api.Test;

class UpgradePolicyTest {

  private static UpgradeDecision decide(String current, String target) {
    return UpgradePolicy.decide(ReleaseVersion.parse(current), ReleaseVersion.parse(target));
  }

  @Test
  void patchAndNextMinorAreAllowed() {
    assertThat(decide("v1.30.5", "v1.30.7").kind()).isEqualTo(Kind.PATCH_UPGRADE);
    assertThat(decide("v1.30.5", "v1.31.0").kind()).isEqualTo(Kind.MINOR_UPGRADE);
    assertThat(decide("v1.30.5", "v1.31.0").allowed()).isTrue();
  }

  @Test
  void sameVersionIsANoOp() {
    UpgradeDecision same = decide("v1.31.2", "v1.31.2");
    assertThat(same.allowed()).isTrue();
    assertThat(same.isNoOp()).isTrue();
    assertThat(same.reason()).startsWith("already at v1.31.2");
  }

  @Test
  void downgradeIsRejected() {
    UpgradeDecision down = decide("v1.31.2", "v1.31.1");
    assertThat(down.allowed()).isFalse();
    assertThat(down.kind()).isEqualTo(Kind.DOWNGRADE);
    assertThat(down.reason()).isEqualTo("v1.31.1 is older than the running v1.31.2: kubeadm does not downgrade");
  }

  @Test
  void skippingAMinorIsRejectedNamingTheMinorToGoThrough() {
    UpgradeDecision skip = decide("v1.29.4", "v1.31.2");
    assertThat(skip.allowed()).isFalse();
    assertThat(skip.kind()).isEqualTo(Kind.SKIPS_MINOR);
    assertThat(skip.reason()).isEqualTo("v1.29.4 -> v1.31.2 skips minor 1.30: kubeadm upgrades one minor at a time; "
        + "upgrade to the latest 1.30.x first");
    assertThat(decide("v1.28.0", "v1.31.0").reason()).contains("skips minor 1.29, then 1.30");
  }

  @Test
  void majorChangeIsRejected() {
    assertThat(decide("v1.31.2", "v2.0.0").kind()).isEqualTo(Kind.MAJOR_CHANGE);
  }
}
