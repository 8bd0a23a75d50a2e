package org.fleetupgrade.images.cloudbuild;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.devtools.cloudbuild.v1.CloudBuildClient;
import com.google.cloudbuild.v1.Build;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wait for one trigger's build of the ref: searched for with ListBuilds until it appears, then
 * followed with GetBuild until it ends. Each {@link #poll} makes one call and reports it.
 */
final class TriggerWatch {

  private static final Logger log = LoggerFactory.getLogger(TriggerWatch.class);

  private final CloudBuildClient client;
  private final Clock clock;
  private final WaitPlan plan;
  private final String triggerId;
  private final Progress progress;
  private Build build;
  private FinishedBuild finished;

  TriggerWatch(CloudBuildClient client, Clock clock, WaitPlan plan, String triggerId, Progress progress) {
    this.client = client;
    this.clock = clock;
    this.plan = plan;
    this.triggerId = triggerId;
    this.progress = progress;
  }

  boolean finished() {
    return finished != null;
  }

  FinishedBuild result() {
    return finished;
  }

  void poll() {
    try {
      build = build == null ? newestMatching() : client.getBuild(BuildRequests.get(plan.trigger(), build.getId()));
    } catch (ApiException e) {
      if (!BuildFailures.transientError(e)) {
        throw BuildFailures.apiError(plan.trigger(), e);
      }
      // Outages of minutes happen; the build goes on regardless, so the wait does too, within its limits.
      String error = BuildFailures.describe(e);
      log.warn("Cloud Build poll of trigger {} in {} failed, polling on: {}", triggerId, plan.trigger().where(), error);
      observe(clock.instant(), error);
      return;
    }
    observe(clock.instant(), null);
  }

  private Build newestMatching() {
    Build newest = null;
    for (Build listed : client.listBuilds(BuildRequests.list(plan.trigger(), triggerId, plan.notBefore())).iterateAll()) {
      // A re-push or a manual re-run makes several builds of one ref; the last one is what the images are now.
      if (plan.ref().matches(listed.getSubstitutionsMap())
          && (newest == null || created(listed).isAfter(created(newest)))) {
        newest = listed;
      }
    }
    return newest;
  }

  private void observe(Instant now, String apiError) {
    if (build == null) {
      if (!now.isBefore(plan.appearBy())) {
        throw BuildFailures.notFound(plan.trigger(), triggerId, plan.ref(), plan.appearTimeout(), apiError);
      }
      report(null, apiError, Duration.between(plan.waitingSince(), now));
      return;
    }
    Duration elapsed = Duration.between(created(build), now);
    report(build.getStatus().name(), apiError, elapsed);
    if (apiError == null) {
      switch (build.getStatus()) {
        case SUCCESS -> {
          finished = new FinishedBuild(triggerId, build.getId(), build.getStatus().name(), build.getLogUrl(),
              BuildTimes.instant(build.hasStartTime(), build.getStartTime()),
              BuildTimes.instant(build.hasFinishTime(), build.getFinishTime()));
          return;
        }
        case FAILURE, INTERNAL_ERROR, TIMEOUT, CANCELLED, EXPIRED ->
            throw BuildFailures.failed(plan.trigger(), triggerId, build);
        default -> {
          // STATUS_UNKNOWN, PENDING, QUEUED, WORKING, and statuses newer than this client: still going.
        }
      }
    }
    if (elapsed.compareTo(plan.buildTimeout()) >= 0) {
      throw BuildFailures.timedOut(plan.trigger(), triggerId, build, elapsed, plan.buildTimeout());
    }
  }

  private void report(String status, String apiError, Duration elapsed) {
    String shown = apiError != null ? BuildWait.API_ERROR + apiError : status != null ? status : BuildWait.SEARCHING;
    progress.report(build == null
        ? new BuildWait(triggerId, null, shown, elapsed, null)
        : new BuildWait(triggerId, build.getId(), shown, elapsed, build.getLogUrl()));
  }

  private Instant created(Build of) {
    return BuildTimes.created(of, plan.waitingSince());
  }
}
