package org.fleetupgrade.upgrade;

/** Names of the steps, as shown in status and given to {@code skip}. */
final class Steps {

  static final String CHANGELOG = "changelog-review";
  static final String PREFLIGHT = "preflight";
  static final String NODE_TOOLING = "node-tooling";
  static final String IMAGE_BUILD = "image-build";
  /** Pointing a stage's hosts at its release's images (production's ePoxy ImagesVersion). */
  static final String IMAGES_VERSION = "images-version";
  static final String REBOOT = "reboot";
  static final String HEALTH = "health";

  private Steps() {}

  static String member(String action, String member) {
    return action + ":" + member;
  }

  /** The alert gate before {@code what} (a member, a promotion): blocks when an alert fires past its limit. */
  static String alerts(String what) {
    return "alerts:" + what;
  }

  static String promotionHealth(String stage) {
    return "promotion-health:" + stage;
  }

  /**
   * Preflight cannot be skipped: every later step needs its inventory and its version check.
   * Everything else can, with a reason, because an operator may have done it by hand.
   */
  static boolean skippable(String step) {
    return !PREFLIGHT.equals(step);
  }
}
