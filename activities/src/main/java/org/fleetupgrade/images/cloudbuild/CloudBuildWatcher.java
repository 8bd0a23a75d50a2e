package org.fleetupgrade.images.cloudbuild;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiException;
import com.google.cloud.devtools.cloudbuild.v1.CloudBuildClient;
import com.google.cloud.devtools.cloudbuild.v1.CloudBuildSettings;
import com.google.cloudbuild.v1.Build;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the Cloud Build builds that a push to epoxy-images started and waits for them to end. A push
 * fires every trigger of its stage, so a wait covers all of them and fails as soon as one fails.
 * Builds are matched to the pushed ref by the TAG_NAME or COMMIT_SHA substitution that triggers set,
 * since a trigger may also have builds of other pushes running.
 */
public final class CloudBuildWatcher implements AutoCloseable {

  public static final String BUILD_NOT_FOUND = "ImageBuildNotFound";
  public static final String BUILD_FAILED = "ImageBuildFailed";
  public static final String BUILD_TIMEOUT = "ImageBuildTimeout";
  public static final String API_ERROR = "ImageBuildApiError";
  public static final String API_UNAVAILABLE = "ImageBuildApiUnavailable";
  public static final String WAIT_INTERRUPTED = "ImageBuildWaitInterrupted";

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);

  private static final Set<Build.Status> RUNNING = EnumSet.of(Build.Status.PENDING, Build.Status.QUEUED,
      Build.Status.WORKING);

  // The library's default retries a failing call for up to 10 minutes without returning, which
  // would starve the heartbeat; a few quick retries, and the poll loop handles longer outages.
  private static final RetrySettings CALL_RETRIES = RetrySettings.newBuilder()
      .setInitialRetryDelayDuration(Duration.ofMillis(250))
      .setRetryDelayMultiplier(2.0)
      .setMaxRetryDelayDuration(Duration.ofSeconds(2))
      .setInitialRpcTimeoutDuration(Duration.ofSeconds(30))
      .setRpcTimeoutMultiplier(1.0)
      .setMaxRpcTimeoutDuration(Duration.ofSeconds(30))
      .setTotalTimeoutDuration(Duration.ofSeconds(60))
      .setMaxAttempts(3)
      .build();

  private final CloudBuildClient client;
  private final Clock clock;
  private final Duration pollInterval;
  private final Sleeper sleeper;

  public CloudBuildWatcher(CloudBuildClient client, Clock clock, Duration pollInterval, Sleeper sleeper) {
    this.client = client;
    this.clock = clock;
    this.pollInterval = pollInterval;
    this.sleeper = sleeper;
  }

  /** A watcher on Application Default Credentials, or on a local {@code endpoint} (http://host:port) without credentials. */
  public static CloudBuildWatcher connect(String endpoint) throws IOException {
    return new CloudBuildWatcher(CloudBuildClient.create(settings(endpoint)), Clock.systemUTC(), DEFAULT_POLL_INTERVAL,
        Sleeper.THREAD);
  }

  /**
   * The client settings {@link #connect} uses. Google's endpoint is reached over gRPC, because the
   * HTTP/JSON transport cannot address a regional trigger's builds (see {@link BuildRequests}); a
   * local endpoint is reached over HTTP/JSON.
   */
  public static CloudBuildSettings settings(String endpoint) throws IOException {
    CloudBuildSettings.Builder settings = endpoint == null
        ? CloudBuildSettings.newBuilder()
        : CloudBuildSettings.newHttpJsonBuilder().setEndpoint(endpoint)
            .setCredentialsProvider(NoCredentialsProvider.create());
    settings.listBuildsSettings().setRetrySettings(CALL_RETRIES);
    settings.getBuildSettings().setRetrySettings(CALL_RETRIES);
    return settings.build();
  }

  /**
   * Waits for the build of {@code ref} by each trigger, created at or after {@code notBefore}, and
   * returns them in trigger order once all have succeeded. {@code waitingSince} is when the wait began
   * (it survives activity retries, so the appear timeout is not restarted by one); a build may run
   * for {@code buildTimeout} from its creation.
   */
  public List<FinishedBuild> await(BuildTrigger trigger, BuildRef ref, Instant notBefore, Duration appearTimeout,
      Duration buildTimeout, Instant waitingSince, Progress progress) {
    WaitPlan plan = new WaitPlan(trigger, ref, notBefore, appearTimeout, buildTimeout, waitingSince);
    List<TriggerWatch> watches = trigger.triggerIds().stream()
        .map(triggerId -> new TriggerWatch(client, clock, plan, triggerId, progress))
        .toList();
    while (true) {
      for (TriggerWatch watch : watches) {
        if (!watch.finished()) {
          watch.poll();
        }
      }
      if (watches.stream().allMatch(TriggerWatch::finished)) {
        return watches.stream().map(TriggerWatch::result).toList();
      }
      try {
        sleeper.sleep(pollInterval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw BuildFailures.interrupted(trigger);
      }
    }
  }

  /** The builds of the triggers created since {@code since} that have not ended, newest first per trigger. */
  public List<RunningBuild> running(BuildTrigger trigger, Instant since) {
    List<RunningBuild> running = new ArrayList<>();
    for (String triggerId : trigger.triggerIds()) {
      try {
        for (Build build : client.listBuilds(BuildRequests.list(trigger, triggerId, since)).iterateAll()) {
          if (RUNNING.contains(build.getStatus())) {
            running.add(new RunningBuild(triggerId, build.getId(), build.getStatus().name(),
                BuildTimes.instant(build.hasCreateTime(), build.getCreateTime()), build.getLogUrl()));
          }
        }
      } catch (ApiException e) {
        throw BuildFailures.transientError(e) ? BuildFailures.unavailable(trigger, e) : BuildFailures.apiError(trigger, e);
      }
    }
    return running;
  }

  /**
   * Successful builds of {@code ours}' trigger, of another ref, that finished after it: for images
   * written in place (`latest`), each overwrote what {@code ours} built.
   */
  public List<RunningBuild> overwrote(BuildTrigger trigger, FinishedBuild ours, BuildRef ref, Duration window) {
    if (ours.finishTime() == null || ours.startTime() == null) {
      return List.of();
    }
    List<RunningBuild> later = new ArrayList<>();
    try {
      for (Build build : client.listBuilds(BuildRequests.list(trigger, ours.triggerId(), ours.startTime().minus(window)))
          .iterateAll()) {
        Instant finished = BuildTimes.instant(build.hasFinishTime(), build.getFinishTime());
        if (build.getStatus() == Build.Status.SUCCESS && !ref.matches(build.getSubstitutionsMap())
            && finished != null && finished.isAfter(ours.finishTime())) {
          later.add(new RunningBuild(ours.triggerId(), build.getId(), build.getStatus().name(),
              BuildTimes.instant(build.hasCreateTime(), build.getCreateTime()), build.getLogUrl()));
        }
      }
    } catch (ApiException e) {
      throw BuildFailures.transientError(e) ? BuildFailures.unavailable(trigger, e) : BuildFailures.apiError(trigger, e);
    }
    return later;
  }

  @Override
  public void close() {
    client.close();
  }
}
