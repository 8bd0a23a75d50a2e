package org.fleetupgrade.images;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.version.TargetVersions;

/** The epoxy-images pipeline: write the versions, push the stage's ref, wait for the build. */
@ActivityInterface
public interface ImageActivities {

  /** Idempotent: a build already triggered for the same versions and stage is returned, not redone. */
  @ActivityMethod
  ImageBuild triggerBuild(String stage, TargetVersions target);

  /** Heartbeats while the build runs; a failed build is non-retryable ({@link #BUILD_FAILED}). */
  @ActivityMethod
  ImageBuild awaitBuild(ImageBuild build);

  String BUILD_FAILED = "ImageBuildFailed";
}
