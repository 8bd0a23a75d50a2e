package org.fleetupgrade.images.cloudbuild;

import java.util.Map;

/**
 * What was pushed: a commit on a branch, or a tag (then {@code tag} is set and decides the match,
 * since one commit can carry several tags and a re-pushed tag must not match an older build).
 */
public record BuildRef(String commit, String tag) {

  public BuildRef {
    if ((commit == null || commit.isBlank()) && (tag == null || tag.isBlank())) {
      throw new IllegalArgumentException("a build ref needs a commit or a tag");
    }
  }

  public static BuildRef commit(String commit) {
    return new BuildRef(commit, null);
  }

  public static BuildRef tag(String tag, String commit) {
    return new BuildRef(commit, tag);
  }

  /** Cloud Build triggers set TAG_NAME and COMMIT_SHA on every build they start. */
  public boolean matches(Map<String, String> substitutions) {
    if (tag != null) {
      return tag.equals(substitutions.get("TAG_NAME"));
    }
    return commit.equals(substitutions.get("COMMIT_SHA"));
  }

  public String describe() {
    return tag != null ? "tag " + tag : "commit " + commit;
  }
}
