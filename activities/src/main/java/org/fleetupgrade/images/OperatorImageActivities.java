package org.fleetupgrade.images;

import io.temporal.failure.ApplicationFailure;
import org.fleetupgrade.version.TargetVersions;

/**
 * The image rebuild of a real stage, until the epoxy-images pipeline has an adapter: the step names
 * exactly what an operator does by hand (the manual checklist's step), and blocks until they skip
 * it with a reason. The rolling reboot and health verification that follow check the result.
 */
public class OperatorImageActivities implements ImageActivities {

  public static final String OPERATOR_ACTION = "OperatorActionRequired";

  private final String repository;

  public OperatorImageActivities(String repository) {
    this.repository = repository == null ? "epoxy-images" : repository;
  }

  @Override
  public ImageBuild triggerBuild(String stage, TargetVersions target) {
    String ref = switch (stage) {
      case "sandbox" -> "a sandbox-* branch";
      case "staging" -> "master";
      default -> "the tag " + target.kubernetes();
    };
    throw ApplicationFailure.newNonRetryableFailure("build the " + stage + " boot images by hand: in " + repository
        + " set K8S_VERSION=" + target.kubernetes() + ", K8S_CNI_VERSION=" + target.cni() + ", K8S_CRICTL_VERSION="
        + target.crictl() + " in config.sh and push " + ref + "; when the build is done, skip this step with a reason"
        + " (`fleet-upgrade skip ID image-build --reason ...`)", OPERATOR_ACTION);
  }

  @Override
  public ImageBuild awaitBuild(ImageBuild build) {
    return build;
  }
}
