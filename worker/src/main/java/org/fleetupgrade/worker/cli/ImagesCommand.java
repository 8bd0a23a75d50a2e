package org.fleetupgrade.worker.cli;

import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.ImageRequest;
import org.fleetupgrade.images.StageImagePipeline;
import org.fleetupgrade.images.epoxy.HostsPlan;
import org.fleetupgrade.images.epoxy.HostsUpdate;
import org.fleetupgrade.images.git.ConfigFile;
import org.fleetupgrade.images.git.EpoxyImagesRepository;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.config.FleetConfig.Stage;
import org.fleetupgrade.worker.engine.ImagePipelines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import org.fleetupgrade.status.Text;

/**
 * The image step of one stage, alone, from this machine: what an upgrade's image-build and
 * images-version steps do, for an operator who builds images outside an upgrade, or checks with
 * {@code --dry-run} what a stage would push and which hosts it would point. Needs the same
 * credentials as a worker (repository token, Application Default Credentials).
 */
@Command(name = "images", mixinStandardHelpOptions = true,
    description = "Run a stage's image step alone: push its epoxy-images ref, wait for the builds, point its hosts.")
public class ImagesCommand implements Callable<Integer> {

  @Parameters(paramLabel = "STAGE", description = "the stage, e.g. production")
  String stage;

  @Mixin
  UpgradeArguments upgrade;

  @Option(names = "--commit", paramLabel = "SHA", description = "build this commit (what an earlier stage built);"
      + " default: sandbox and staging edit main, production tags main if it carries the versions")
  String commit;

  @Option(names = "--images-tag", paramLabel = "vX.Y.Z", description = "the release tag (stages built from a tag);"
      + " default: the next patch")
  String imagesTag;

  @Option(names = "--dry-run", description = "print the change, the ref and the hosts; push and write nothing")
  boolean dryRun;

  @Override
  public Integer call() {
    FleetConfig config = upgrade.fleet();
    Stage s = config.stage(stage).orElseThrow(() -> new BadInputException("unknown stage '" + stage + "': stages in "
        + upgrade.config + " are " + String.join(", ", config.stageNames())));
    if (s.images().isEmpty()) {
      throw new BadInputException("stage " + stage + " has no image pipeline in " + upgrade.config
          + " (stages." + stage + ".images with cloudBuild.triggers)");
    }
    String tag = StartCommand.imagesTag(imagesTag);
    if (commit != null && !commit.matches("[0-9a-f]{40}")) {
      throw new BadInputException("--commit: '" + commit + "' is not a full 40-character commit id");
    }
    TargetVersions target = upgrade.target();
    StageImagePipeline pipeline = ImagePipelines.open(config, List.of(s)).get(stage);
    ImageRequest request = new ImageRequest(stage, UpgradeRequest.workflowId(target), target, commit, tag);
    try {
      return run(pipeline, request);
    } catch (ApplicationFailure failure) {
      String message = stage + ": " + failure.getOriginalMessage();
      if (ConfigFile.MALFORMED.equals(failure.getType())
          || EpoxyImagesRepository.COMMIT_MISSING.equals(failure.getType())) {
        throw new BadInputException(message);
      }
      throw new OperationFailedException(message);
    }
  }

  private int run(StageImagePipeline pipeline, ImageRequest request) {
    StageImagePipeline.Settings settings = pipeline.settings();
    System.out.println("images of " + stage + ": " + settings.ref().name().toLowerCase() + ", built by Cloud Build "
        + settings.trigger().project() + " triggers " + settings.trigger().triggerIds());
    ImageRelease release = pipeline.publish(request, dryRun);
    System.out.println("  " + release.ref() + " at " + release.commit() + ": " + release.describeChanges() + "  ["
        + (release.reused() ? "already pushed" : dryRun ? "would push" : "pushed") + "]");
    if (dryRun) {
      if (pipeline.pinsHosts()) {
        HostsPlan plan = pipeline.planHosts(stage, release.imagesVersion());
        System.out.println("  ePoxy hosts matching " + settings.hostPattern() + ": " + plan.toChange().size()
            + " to set to " + release.imagesVersion() + ", " + plan.unchanged().size() + " already there, "
            + plan.leftOut().size() + " left out");
        print("would change", plan.toChange());
        print("already at " + release.imagesVersion(), plan.unchanged());
        print("left out", plan.leftOut());
      }
      System.out.println("--dry-run: nothing pushed, no build awaited, no host written");
      return Main.OK;
    }
    String[] last = {null};
    ImageBuild build = pipeline.awaitBuilds(release, Instant.now(), wait -> {
      String line = "  build " + (wait.buildId() == null ? "(not yet created)" : wait.buildId()) + " of trigger "
          + wait.triggerId() + ": " + wait.status() + ", " + Text.duration(java.time.Duration.ofMinutes(wait.elapsed().toMinutes()))
          + (wait.logUrl() == null ? "" : "  " + wait.logUrl());
      if (!line.equals(last[0])) {
        System.out.println(line);
        last[0] = line;
      }
    });
    System.out.println("  built " + build.imagesVersion() + " by " + build.buildId());
    if (build.pinned() && pipeline.pinsHosts()) {
      HostsUpdate update = pipeline.pointHosts(build, host -> { });
      System.out.println("  ePoxy hosts: " + update.changed().size() + " set to " + build.imagesVersion() + ", "
          + update.unchanged().size() + " already there, " + update.leftOut().size() + " left out");
      print("changed", update.changed());
    }
    return Main.OK;
  }

  private static void print(String what, List<String> hosts) {
    if (!hosts.isEmpty()) {
      System.out.println("    " + what + ":");
      hosts.forEach(h -> System.out.println("      " + h));
    }
  }
}
