package org.fleetupgrade.images;

import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.fleetupgrade.images.cloudbuild.BuildRef;
import org.fleetupgrade.images.cloudbuild.BuildTrigger;
import org.fleetupgrade.images.cloudbuild.BuildWait;
import org.fleetupgrade.images.cloudbuild.CloudBuildWatcher;
import org.fleetupgrade.images.cloudbuild.FinishedBuild;
import org.fleetupgrade.images.cloudbuild.RunningBuild;
import org.fleetupgrade.images.epoxy.EpoxyHosts;
import org.fleetupgrade.images.epoxy.HostsPlan;
import org.fleetupgrade.images.epoxy.HostsUpdate;
import org.fleetupgrade.images.git.EpoxyImagesRepository;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.status.Text;

/**
 * One stage's image pipeline: its ref in epoxy-images, the Cloud Build triggers that build it and,
 * for a stage that boots a release, the ePoxy hosts to point at it. Progress goes to a consumer,
 * so the same steps run as Temporal activities (heartbeats) and from the CLI (lines on a terminal).
 */
public final class StageImagePipeline {

  /** Cloud Build's and our clocks differ a little; a build is never created before its push. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(10);

  /** Cloud Build's longest build timeout: nothing created before that can still run. */
  static final Duration LONGEST_BUILD = Duration.ofHours(24);

  /** Lets tests wait without sleeping. */
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /**
   * @param hosts ePoxy's hosts, for a stage whose images are a release (null otherwise)
   */
  public record Settings(RefPolicy ref, BuildTrigger trigger, Duration appearTimeout, Duration buildTimeout,
      Duration pollInterval, Pattern hostPattern) {}

  private final Settings settings;
  private final EpoxyImagesRepository repository;
  private final CloudBuildWatcher builds;
  private final EpoxyHosts hosts;
  private final Clock clock;
  private final Sleeper sleeper;

  public StageImagePipeline(Settings settings, EpoxyImagesRepository repository, CloudBuildWatcher builds,
      EpoxyHosts hosts, Clock clock, Sleeper sleeper) {
    this.settings = settings;
    this.repository = repository;
    this.builds = builds;
    this.hosts = hosts;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  public StageImagePipeline(Settings settings, EpoxyImagesRepository repository, CloudBuildWatcher builds,
      EpoxyHosts hosts) {
    this(settings, repository, builds, hosts, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
  }

  public Settings settings() {
    return settings;
  }

  /** The stage's ref made to carry the versions; with {@code dryRun}, only what would be pushed. */
  public ImageRelease publish(ImageRequest request, boolean dryRun) {
    return repository.publish(settings.ref(), request, dryRun);
  }

  /** Every trigger's build of the release, finished; {@code waitingSince} survives activity retries. */
  public ImageBuild awaitBuilds(ImageRelease release, Instant waitingSince, Consumer<BuildWait> progress) {
    BuildRef ref = new BuildRef(release.commit(), ImageBuild.LATEST.equals(release.imagesVersion()) ? null : release.ref());
    List<FinishedBuild> finished = builds.await(settings.trigger(), ref, release.pushedAt().minus(CLOCK_SKEW),
        settings.appearTimeout(), settings.buildTimeout(), waitingSince, progress::accept);
    if (!release.pinnedImages()) {
      // `latest` is one folder for every ref of the trigger: a later build of another ref replaced ours.
      for (FinishedBuild ours : finished) {
        List<RunningBuild> later = builds.overwrote(settings.trigger(), ours, ref, settings.buildTimeout());
        if (!later.isEmpty()) {
          throw ApplicationFailure.newNonRetryableFailure("the " + release.stage() + " images of " + release.ref()
              + " (build " + ours.buildId() + ") were overwritten since by " + describe(later) + ": run build "
              + ours.buildId() + " again in Cloud Build (Retry), then retry this step", "ImagesOverwritten");
        }
      }
    }
    return new ImageBuild(release.stage(), release.ref(),
        finished.stream().map(FinishedBuild::buildId).collect(Collectors.joining(",")), release.imagesVersion(),
        release.commit(), finished.isEmpty() ? null : finished.get(0).logUrl());
  }

  /** Rounds of apply-then-verify before giving up to a retry of the activity. */
  static final int POINT_ROUNDS = 3;

  /**
   * ePoxy hosts pointed at the build's release; hosts already there are not written. ePoxy's server
   * saves a booting host's entity without a transaction, so a node booting meanwhile can write the
   * old version back: the result is verified, and hosts written back are pointed again.
   */
  public HostsUpdate pointHosts(ImageBuild build, Consumer<String> progress) {
    EpoxyHosts epoxy = requireHosts(build.stage(), build.imagesVersion());
    HostsUpdate first = epoxy.apply(settings.hostPattern(), build.imagesVersion(), progress);
    java.util.SortedSet<String> changed = new java.util.TreeSet<>(first.changed());
    for (int round = 1; round <= POINT_ROUNDS; round++) {
      HostsPlan check = epoxy.plan(settings.hostPattern(), build.imagesVersion());
      if (check.toChange().isEmpty()) {
        // A host written back and pointed again was changed by us after all.
        return new HostsUpdate(List.copyOf(changed), first.unchanged().stream().filter(h -> !changed.contains(h)).toList(),
            first.leftOut());
      }
      progress.accept("written back by ePoxy meanwhile, pointing again: " + String.join(", ", check.toChange()));
      if (round < POINT_ROUNDS) {
        changed.addAll(epoxy.apply(settings.hostPattern(), build.imagesVersion(), progress).changed());
      } else {
        throw ApplicationFailure.newFailure(Text.count(check.toChange().size(), "host")
            + (check.toChange().size() == 1 ? " keeps" : " keep") + " an older ImagesVersion than "
            + build.imagesVersion() + " after " + POINT_ROUNDS + " rounds (ePoxy writes them back while they boot): "
            + String.join(", ", check.toChange().subList(0, Math.min(10, check.toChange().size()))), "EpoxyWriteBack");
      }
    }
    return first;
  }

  /** What {@link #pointHosts} would do, writing nothing. */
  public HostsPlan planHosts(String stage, String imagesVersion) {
    return requireHosts(stage, imagesVersion).plan(settings.hostPattern(), imagesVersion);
  }

  public boolean pinsHosts() {
    return hosts != null;
  }

  /**
   * Returns once no build of the stage's triggers runs: sandbox and staging images are overwritten in
   * place. Null when none ran; otherwise what was waited for. {@code started} is when the wait began
   * (a retried activity passes the first attempt's), from which the build timeout counts.
   */
  public String awaitNoBuildRunning(String stage, Instant started, Consumer<String> progress) {
    List<String> waitedFor = new ArrayList<>();
    while (true) {
      List<RunningBuild> running = builds.running(settings.trigger(), started.minus(LONGEST_BUILD));
      if (running.isEmpty()) {
        return waitedFor.isEmpty() ? null : "waited " + Text.roughly(Duration.between(started, clock.instant()))
            + " for builds of " + stage + "'s images to finish (" + String.join(", ", waitedFor) + ")";
      }
      running.stream().map(RunningBuild::buildId).filter(id -> !waitedFor.contains(id)).forEach(waitedFor::add);
      if (Duration.between(started, clock.instant()).compareTo(settings.buildTimeout()) > 0) {
        throw ApplicationFailure.newNonRetryableFailure("builds of " + stage + "'s images still run after "
            + Text.duration(settings.buildTimeout()) + " (" + describe(running) + "): its nodes would reboot into half-written images",
            "ImageBuildRunning");
      }
      progress.accept("not rebooting while " + describe(running) + " overwrites the images");
      try {
        sleeper.sleep(settings.pollInterval());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailure("interrupted while waiting for builds to finish", "Interrupted");
      }
    }
  }

  private EpoxyHosts requireHosts(String stage, String imagesVersion) {
    if (hosts == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage " + stage + " builds from a " + settings.ref().name()
          .toLowerCase() + ", whose images no host names: nothing to point at " + imagesVersion, "ImagesNotPinned");
    }
    return hosts;
  }

  private static String describe(List<RunningBuild> running) {
    return running.stream().map(b -> b.status() + " build " + b.buildId() + " (" + b.logUrl() + ")")
        .collect(Collectors.joining(", "));
  }
}
