package org.fleetupgrade.version;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The release-channel half of the upgrade policy, pure so it is tested without a network: the path
 * through intermediate minors, the check against the latest stable release, and how far behind
 * the fleet stays.
 */
public final class UpgradePath {

  /** kubeadm's and the Kubernetes project's support window: stay at most this many minors behind. */
  public static final int MAX_MINORS_BEHIND = 2;

  private UpgradePath() {}

  /**
   * The versions from {@code current} to {@code target}: the latest patch of each intermediate minor
   * ({@code latestPatch.apply(minor)}, from stable-1.NN.txt) between them. Two entries for a patch or
   * a one-minor upgrade.
   */
  public static List<ReleaseVersion> plan(ReleaseVersion current, ReleaseVersion target, IntFunction<ReleaseVersion> latestPatch) {
    List<ReleaseVersion> path = new ArrayList<>();
    path.add(current);
    if (target.major() == current.major()) {
      for (int minor = current.minor() + 1; minor < target.minor(); minor++) {
        path.add(latestPatch.apply(minor));
      }
    }
    path.add(target);
    return List.copyOf(path);
  }

  /** "v1.29.4 -> v1.30.14 -> v1.31.2". */
  public static String describe(List<ReleaseVersion> path) {
    return String.join(" -> ", path.stream().map(ReleaseVersion::toString).toList());
  }

  /** Why {@code target} may not be used given the latest stable release, if it may not. */
  public static Optional<String> checkAgainstStable(ReleaseVersion target, ReleaseVersion latestStable, boolean allowPrerelease) {
    if (allowPrerelease) {
      return Optional.empty();
    }
    if (target.isPreRelease()) {
      return Optional.of(target + " is a pre-release: pass --allow-prerelease to upgrade to it anyway");
    }
    if (latestStable != null && target.compareTo(latestStable) > 0) {
      return Optional.of(target + " is newer than the latest stable release " + latestStable
          + " (stable.txt): pass --allow-prerelease to upgrade to it anyway");
    }
    return Optional.empty();
  }

  /** A warning when, even after this upgrade, the fleet stays more than two minors behind stable. */
  public static Optional<String> staleness(ReleaseVersion target, ReleaseVersion latestStable) {
    if (latestStable == null || latestStable.major() != target.major()) {
      return Optional.empty();
    }
    int behind = latestStable.minor() - target.minor();
    if (behind > MAX_MINORS_BEHIND) {
      return Optional.of("after this upgrade the fleet is still " + behind + " minors behind the latest stable "
          + latestStable + " (more than " + MAX_MINORS_BEHIND + "): plan the next upgrade soon");
    }
    return Optional.empty();
  }
}
