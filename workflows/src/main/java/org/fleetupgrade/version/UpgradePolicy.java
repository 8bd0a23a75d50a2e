package org.fleetupgrade.version;

import org.fleetupgrade.version.UpgradeDecision.Kind;

/**
 * The version-skew rules of kubeadm: upgrade one minor at a time, never downgrade. Pure, so the CLI
 * can reject a bad target before anything starts and the workflow can re-check it at preflight.
 */
public final class UpgradePolicy {

  private UpgradePolicy() {}

  public static UpgradeDecision decide(ReleaseVersion current, ReleaseVersion target) {
    int order = target.compareTo(current);
    if (order == 0) {
      return new UpgradeDecision(Kind.ALREADY_AT_TARGET, current, target,
          "already at " + target + ": nothing to upgrade, health is verified only");
    }
    if (order < 0) {
      return new UpgradeDecision(Kind.DOWNGRADE, current, target,
          target + " is older than the running " + current + ": kubeadm does not downgrade");
    }
    if (target.major() != current.major()) {
      return new UpgradeDecision(Kind.MAJOR_CHANGE, current, target,
          current + " -> " + target + " changes the major version: not supported");
    }
    int minors = target.minor() - current.minor();
    if (minors == 0) {
      return new UpgradeDecision(Kind.PATCH_UPGRADE, current, target,
          "patch upgrade " + current + " -> " + target);
    }
    if (minors == 1) {
      return new UpgradeDecision(Kind.MINOR_UPGRADE, current, target,
          "minor upgrade " + current + " -> " + target);
    }
    StringBuilder path = new StringBuilder();
    for (int m = current.minor() + 1; m < target.minor(); m++) {
      path.append(path.length() == 0 ? "" : ", then ").append(current.major()).append('.').append(m);
    }
    return new UpgradeDecision(Kind.SKIPS_MINOR, current, target,
        current + " -> " + target + " skips minor " + path
            + ": kubeadm upgrades one minor at a time; upgrade to the latest "
            + current.major() + "." + (current.minor() + 1) + ".x first");
  }
}
