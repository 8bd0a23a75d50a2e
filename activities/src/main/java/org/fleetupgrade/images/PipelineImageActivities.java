package org.fleetupgrade.images;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.fleetupgrade.activity.TimerHeartbeat;
import org.fleetupgrade.images.epoxy.HostsUpdate;
import org.fleetupgrade.version.TargetVersions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image step of real stages as Temporal activities over each stage's {@link StageImagePipeline}:
 * progress becomes heartbeats, full host lists go to the log and only counts to the history.
 */
public final class PipelineImageActivities implements ImageActivities {

  private static final Logger log = LoggerFactory.getLogger(PipelineImageActivities.class);

  /** What an image activity's heartbeat carries; a retried attempt reads back when the wait began. */
  public record ImageWait(long waitingSinceMillis, String triggerId, String buildId, String status, long elapsedSeconds,
      String logUrl) {}

  /** The heartbeat of the wait before a reboot: when it began, and what it waits for. */
  public record QuietWait(long startedMillis, String waitingFor) {}

  static final String NO_RELEASE = "no release to point at: ";

  private final Map<String, StageImagePipeline> stages;
  private final OperatorImageActivities legacy = new OperatorImageActivities("epoxy-images");
  private final Clock clock;

  public PipelineImageActivities(Map<String, StageImagePipeline> stages, Clock clock) {
    this.stages = Map.copyOf(stages);
    this.clock = clock;
  }

  public PipelineImageActivities(Map<String, StageImagePipeline> stages) {
    this(stages, Clock.systemUTC());
  }

  @Override
  public ImageRelease publish(ImageRequest request) {
    StageImagePipeline stage = stage(request.stage());
    ImageRelease release = TimerHeartbeat.during(Activity.getExecutionContext(), "publishing " + request.stage()
        + "'s images ref", () -> stage.publish(request, false));
    log.info("{}: {} {} at {} ({})", request.stage(), release.reused() ? "reused" : "pushed", release.ref(),
        release.commit(), release.describeChanges());
    return release;
  }

  @Override
  public ImageBuild awaitImages(ImageRelease release) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    Instant waitingSince = context.getHeartbeatDetails(ImageWait.class)
        .map(w -> Instant.ofEpochMilli(w.waitingSinceMillis())).orElse(clock.instant());
    return stage(release.stage()).awaitBuilds(release, waitingSince, wait -> context.heartbeat(new ImageWait(
        waitingSince.toEpochMilli(), wait.triggerId(), wait.buildId(), wait.status(), wait.elapsed().toSeconds(),
        wait.logUrl())));
  }

  @Override
  public HostsPointed pointHosts(ImageBuild build) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    int[] seen = {0};
    StageImagePipeline stage = stage(build.stage());
    if (build.imagesVersion() == null) {
      if (!stage.pinsHosts()) {
        return null;
      }
      throw ApplicationFailure.newNonRetryableFailure(NO_RELEASE + build.stage() + "'s hosts boot a release, and the"
          + " image step was skipped, so which one is not known: set it by hand (epoxy_admin update --images-version"
          + " vX.Y.Z --hostname '" + stage.settings().hostPattern() + "'), then skip images-version with a reason",
          OperatorImageActivities.OPERATOR_ACTION);
    }
    HostsUpdate update = stage.pointHosts(build, host -> context.heartbeat("hosts: " + (++seen[0]) + ", last " + host));
    log.info("{}: ImagesVersion {} set on {} hosts ({} already, {} left out by {}): {}", build.stage(),
        build.imagesVersion(), update.changed().size(), update.unchanged().size(), update.leftOut().size(),
        stage.settings().hostPattern(), update.changed());
    return new HostsPointed(build.stage(), build.imagesVersion(), update.changed().size(), update.unchanged().size(),
        update.leftOut().size(), update.changed().subList(0, Math.min(HostsPointed.SAMPLE, update.changed().size())));
  }

  @Override
  public String awaitNoBuildRunning(String stage) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    Instant started = context.getHeartbeatDetails(QuietWait.class).map(w -> Instant.ofEpochMilli(w.startedMillis()))
        .orElse(clock.instant());
    return stage(stage).awaitNoBuildRunning(stage, started,
        doing -> context.heartbeat(new QuietWait(started.toEpochMilli(), doing)));
  }

  @Override
  @Deprecated
  public ImageBuild triggerBuild(String stage, TargetVersions target) {
    return legacy.triggerBuild(stage, target);
  }

  @Override
  @Deprecated
  public ImageBuild awaitBuild(ImageBuild build) {
    return legacy.awaitBuild(build);
  }

  private StageImagePipeline stage(String name) {
    StageImagePipeline stage = stages.get(name);
    if (stage == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + name + "' has no image pipeline on this worker",
          "UnknownStage");
    }
    return stage;
  }
}
