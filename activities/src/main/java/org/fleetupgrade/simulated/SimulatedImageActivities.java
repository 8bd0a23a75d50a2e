package org.fleetupgrade.simulated;

import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.List;
import org.fleetupgrade.images.HostsPointed;
import org.fleetupgrade.images.ImageActivities;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.ImageRequest;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;

/**
 * The epoxy-images flow, simulated with the real flow's shape: sandbox pushes a sandbox-* branch,
 * staging fast-forwards main to the commit sandbox built, production tags it with the next release
 * and points its hosts at that tag. A finished build changes what the stage's nodes boot.
 */
public class SimulatedImageActivities implements ImageActivities {

  private final SimulatedFleet fleet;

  public SimulatedImageActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public ImageRelease publish(ImageRequest request) {
    fleet.maybeFail("image-build", request.stage(), null);
    SimulatedImageRepository repo = fleet.imageRepository();
    if (pinned(request.stage())) {
      // As the real step: a release is cut from what the stage before built, or from main as it is.
      String what = repo.releasable(request.target(), request.baseCommit());
      if (what != null) {
        throw ApplicationFailure.newNonRetryableFailure(what, "ImagesRefConflict");
      }
    }
    SimulatedImageRepository.Commit commit = repo.commitFor(request.target(), request.baseCommit());
    String ref = switch (request.stage()) {
      case "sandbox" -> "sandbox-" + request.target().kubernetes();
      case "staging" -> "main";
      default -> repo.tag(commit, request.imagesTag());
    };
    String imagesVersion = ref.startsWith("v") ? ref : ImageBuild.LATEST;
    var changes = repo.changes(ref, commit);
    boolean reused = repo.push(ref, commit);
    return new ImageRelease(request.stage(), ref, commit.id(), changes, reused, imagesVersion,
        Instant.ofEpochMilli(System.currentTimeMillis()));
  }

  @Override
  public ImageBuild awaitImages(ImageRelease release) {
    String id = fleet.cluster(release.stage()).recordBuild(release.ref(), release.commit());
    SimulatedWork.take(fleet.timing().imageBuild(), "waiting for build " + id);
    fleet.cluster(release.stage()).imageBuilt(fleet.targetOfCommit(release.commit()));
    return new ImageBuild(release.stage(), release.ref(), id, release.imagesVersion(), release.commit(),
        "https://console.cloud.google.com/cloud-build/builds/" + id + "?project=" + fleet.cluster(release.stage()).spec.project());
  }

  @Override
  public HostsPointed pointHosts(ImageBuild build) {
    if (build.imagesVersion() == null) {
      if (!pinned(build.stage())) {
        return null;
      }
      throw ApplicationFailure.newNonRetryableFailure("no release to point at: " + build.stage() + "'s hosts boot a"
          + " release, and the image step was skipped: set ImagesVersion by hand, then skip images-version",
          "OperatorActionRequired");
    }
    List<String> changed = fleet.cluster(build.stage()).pointHosts(build.imagesVersion());
    int total = fleet.cluster(build.stage()).platformCount();
    return new HostsPointed(build.stage(), build.imagesVersion(), changed.size(), total - changed.size(), 0,
        changed.subList(0, Math.min(changed.size(), HostsPointed.SAMPLE)));
  }

  /** As M-Lab's stages: sandbox and staging boot `latest`, every other stage a release. */
  private static boolean pinned(String stage) {
    return !stage.equals("sandbox") && !stage.equals("staging");
  }

  @Override
  public String awaitNoBuildRunning(String stage) {
    return null;
  }

  @Override
  @Deprecated
  public ImageBuild triggerBuild(String stage, TargetVersions target) {
    fleet.maybeFail("image-build", stage, null);
    String ref = switch (stage) {
      case "sandbox" -> "sandbox-k8s-" + target.kubernetes();
      case "staging" -> "master";
      default -> target.kubernetes().toString();
    };
    String id = fleet.cluster(stage).recordBuild(ref, target.kubernetes().toString());
    return new ImageBuild(stage, ref, id, target.kubernetes().toString());
  }

  @Override
  @Deprecated
  public ImageBuild awaitBuild(ImageBuild build) {
    SimulatedWork.take(fleet.timing().imageBuild(), "waiting for build " + build.buildId());
    fleet.cluster(build.stage()).imageBuilt(ReleaseVersion.parse(build.imagesVersion()));
    return build;
  }
}
