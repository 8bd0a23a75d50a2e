package org.fleetupgrade.images;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.version.TargetVersions;

/**
 * The epoxy-images pipeline of a stage: write the three versions into its config file, push the
 * stage's ref (a branch, the main branch or a release tag), wait for the builds that push starts,
 * and point the hosts of a stage that boots a pinned release at it.
 */
@ActivityInterface
public interface ImageActivities {

  /**
   * Idempotent: a ref that already points at a commit with exactly these versions is reused, and a
   * re-run after a crash between push and record finds what was pushed.
   */
  @ActivityMethod
  ImageRelease publish(ImageRequest request);

  /** Heartbeats while the builds run; a failed build is non-retryable ({@link #BUILD_FAILED}). */
  @ActivityMethod
  ImageBuild awaitImages(ImageRelease release);

  /**
   * Sets the hosts' images version to the build's release; hosts already there are not written. A
   * build without an images version (the image step was skipped) returns null for a stage whose
   * images name no release, and fails for one whose do: someone must say which release.
   */
  @ActivityMethod
  HostsPointed pointHosts(ImageBuild build);

  /**
   * Waits while a build of the stage runs: sandbox and staging images are overwritten in place, so
   * no node may reboot into a half-written image. Returns what it waited for, or null.
   */
  @ActivityMethod
  String awaitNoBuildRunning(String stage);

  /** Before the pipeline had an adapter (histories from then replay through it). */
  @Deprecated
  @ActivityMethod
  ImageBuild triggerBuild(String stage, TargetVersions target);

  /** Before the pipeline had an adapter (histories from then replay through it). */
  @Deprecated
  @ActivityMethod
  ImageBuild awaitBuild(ImageBuild build);

  String BUILD_FAILED = "ImageBuildFailed";
}
