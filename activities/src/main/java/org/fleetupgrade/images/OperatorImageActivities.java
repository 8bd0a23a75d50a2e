package org.fleetupgrade.images;

import io.temporal.failure.ApplicationFailure;
import org.fleetupgrade.version.TargetVersions;

/**
 * The image step of a real stage whose config has no image pipeline (no Cloud Build triggers):
 * the step names exactly what an operator does by hand, and blocks until they skip it with a
 * reason. The rolling reboot and health verification that follow check the result.
 */
public class OperatorImageActivities implements ImageActivities {

  public static final String OPERATOR_ACTION = "OperatorActionRequired";

  private final String repository;

  public OperatorImageActivities(String repository) {
    this.repository = repository == null ? "epoxy-images" : repository;
  }

  @Override
  public ImageRelease publish(ImageRequest request) {
    throw manual(request.stage(), request.target());
  }

  @Override
  public ImageBuild awaitImages(ImageRelease release) {
    return new ImageBuild(release.stage(), release.ref(), "(by hand)", release.imagesVersion(), release.commit(), null);
  }

  @Override
  public HostsPointed pointHosts(ImageBuild build) {
    if (build.imagesVersion() == null) {
      return null; // the by-hand image step said to point the hosts as part of it
    }
    throw ApplicationFailure.newNonRetryableFailure("point the " + build.stage() + " hosts at " + build.imagesVersion()
        + " by hand (epoxy_admin update --images-version " + build.imagesVersion() + " --hostname ...), then skip this"
        + " step with a reason", OPERATOR_ACTION);
  }

  @Override
  public String awaitNoBuildRunning(String stage) {
    return null;
  }

  @Override
  @Deprecated
  public ImageBuild triggerBuild(String stage, TargetVersions target) {
    throw manual(stage, target);
  }

  @Override
  @Deprecated
  public ImageBuild awaitBuild(ImageBuild build) {
    return build;
  }

  private ApplicationFailure manual(String stage, TargetVersions target) {
    String ref = switch (stage) {
      case "sandbox" -> "a sandbox-* branch";
      case "staging" -> "the main branch";
      default -> "a release tag vX.Y.Z (and point the hosts' ImagesVersion at it)";
    };
    return ApplicationFailure.newNonRetryableFailure("build the " + stage + " boot images by hand: in " + repository
        + " set K8S_VERSION=" + target.kubernetes() + ", K8S_CNI_VERSION=" + target.cni() + ", K8S_CRICTL_VERSION="
        + target.crictl() + " in config.sh and push " + ref + "; when the build is done, skip this step with a reason"
        + " (`fleet-upgrade skip ID image-build --reason ...`); or configure the stage's images section"
        + " (cloudBuild triggers) and retry", OPERATOR_ACTION);
  }
}
