package org.fleetupgrade.images.git;

/**
 * How a stage's images are built from epoxy-images (its README, "Build Automation"): sandbox from
 * a pushed {@code sandbox-*} branch, staging from the main branch, production from a release tag.
 */
public enum RefPolicy {
  /** Push the commit to a branch of its own (e.g. {@code sandbox-v1.35.1}). */
  BRANCH,
  /** Fast-forward the main branch to the commit; never merge, never force. */
  MAIN,
  /** An annotated release tag on the commit an earlier stage built (the next patch by default). */
  TAG;

  /** The default for M-Lab's stage names; other names must say. */
  public static RefPolicy forStage(String stage) {
    return switch (stage) {
      case "sandbox" -> BRANCH;
      case "staging" -> MAIN;
      case "production" -> TAG;
      default -> null;
    };
  }
}
