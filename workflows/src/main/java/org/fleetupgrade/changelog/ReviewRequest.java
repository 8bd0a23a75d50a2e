package org.fleetupgrade.changelog;

import java.util.List;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;

/**
 * What a changelog review needs: the target, the version each stage runs now (the oldest decides
 * which releases matter), and whether a target newer than the latest stable release is allowed.
 */
public record ReviewRequest(TargetVersions target, List<ReleaseVersion> currentVersions, boolean allowPrerelease) {

  public ReviewRequest {
    currentVersions = currentVersions == null ? List.of() : List.copyOf(currentVersions);
  }

  /** The oldest version any stage runs, or null when none is known. */
  public ReleaseVersion oldestCurrent() {
    return currentVersions.stream().min(ReleaseVersion::compareTo).orElse(null);
  }
}
