package org.fleetupgrade.version;

/** What {@link UpgradePolicy} says about going from one version to another, and why. */
public record UpgradeDecision(Kind kind, ReleaseVersion current, ReleaseVersion target, String reason) {

  public enum Kind {
    /** The cluster already runs the target: nothing to do but verify. */
    ALREADY_AT_TARGET(true),
    PATCH_UPGRADE(true),
    MINOR_UPGRADE(true),
    DOWNGRADE(false),
    SKIPS_MINOR(false),
    MAJOR_CHANGE(false);

    private final boolean allowed;

    Kind(boolean allowed) {
      this.allowed = allowed;
    }
  }

  public boolean allowed() {
    return kind.allowed;
  }

  public boolean isNoOp() {
    return kind == Kind.ALREADY_AT_TARGET;
  }
}
