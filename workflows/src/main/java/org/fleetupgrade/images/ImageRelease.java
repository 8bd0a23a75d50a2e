package org.fleetupgrade.images;

import java.time.Instant;
import java.util.List;

/**
 * A stage's ref, pushed (or found already pushed) with the target versions.
 *
 * @param changes each version variable that changed (none: the base already carried them)
 * @param reused the ref already pointed at a commit with these versions: nothing was pushed
 * @param imagesVersion where the build puts the images: {@code latest}, or the release tag
 * @param pushedAt when the commit or tag was made; builds of it are created after this
 */
public record ImageRelease(String stage, String ref, String commit, List<VersionChange> changes, boolean reused,
    String imagesVersion, Instant pushedAt) {

  public ImageRelease {
    changes = List.copyOf(changes);
  }

  /** Images in a folder of their own (a release), not `latest` which every build rewrites. */
  public boolean pinnedImages() {
    return imagesVersion != null && !"latest".equals(imagesVersion);
  }

  public String shortCommit() {
    return commit == null || commit.length() < 12 ? commit : commit.substring(0, 12);
  }

  /** "K8S_VERSION v1.34.4 -> v1.35.1, ..." or "versions already set". */
  public String describeChanges() {
    return changes.isEmpty() ? "versions already set"
        : String.join(", ", changes.stream().map(VersionChange::toString).toList());
  }
}
