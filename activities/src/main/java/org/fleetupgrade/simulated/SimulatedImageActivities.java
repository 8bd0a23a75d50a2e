package org.fleetupgrade.simulated;

import org.fleetupgrade.images.ImageActivities;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;

/**
 * The epoxy-images flow, simulated: sandbox builds from a sandbox-* branch, staging from master,
 * production from a vX.Y.Z tag. A finished build changes what the stage's nodes boot.
 */
public class SimulatedImageActivities implements ImageActivities {

  private final SimulatedFleet fleet;

  public SimulatedImageActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public ImageBuild triggerBuild(String stage, TargetVersions target) {
    fleet.maybeFail("image-build", stage, null);
    String ref = switch (stage) {
      case "sandbox" -> "sandbox-k8s-" + target.kubernetes();
      case "staging" -> "master";
      default -> target.kubernetes().toString();
    };
    String id = fleet.cluster(stage).recordBuild(ref, target.kubernetes());
    return new ImageBuild(stage, ref, id, target.kubernetes().toString());
  }

  @Override
  public ImageBuild awaitBuild(ImageBuild build) {
    SimulatedWork.take(fleet.timing().imageBuild(), "waiting for build " + build.buildId());
    fleet.cluster(build.stage()).imageBuilt(ReleaseVersion.parse(build.imagesVersion()));
    return build;
  }
}
