package org.fleetupgrade.images.cloudbuild;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloudbuild.v1.Build;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Set;
import org.fleetupgrade.status.Text;

/** The failures a wait ends with, worded for the operator reading the workflow's history. */
final class BuildFailures {

  static final String VIEWER_ROLE = "Cloud Build Viewer (roles/cloudbuild.builds.viewer)";

  // UNKNOWN is what a refused or reset connection becomes on the HTTP/JSON transport.
  private static final Set<StatusCode.Code> TRANSIENT = Set.of(StatusCode.Code.UNAVAILABLE,
      StatusCode.Code.DEADLINE_EXCEEDED, StatusCode.Code.INTERNAL, StatusCode.Code.RESOURCE_EXHAUSTED,
      StatusCode.Code.UNKNOWN);

  private BuildFailures() {
  }

  static boolean transientError(ApiException e) {
    return TRANSIENT.contains(e.getStatusCode().getCode());
  }

  static String describe(ApiException e) {
    return e.getStatusCode().getCode() + " " + e.getMessage();
  }

  static ApplicationFailure notFound(BuildTrigger trigger, String triggerId, BuildRef ref, Duration appearTimeout,
      String lastApiError) {
    return ApplicationFailure.newNonRetryableFailure("no build of " + ref.describe() + " by trigger " + triggerId
        + " in " + trigger.where() + " appeared within " + Text.duration(appearTimeout) + ": check that the trigger is enabled and"
        + " its branch or tag filter matches the pushed ref"
        + (lastApiError == null ? "" : " (the last poll failed: " + lastApiError + ")"),
        CloudBuildWatcher.BUILD_NOT_FOUND);
  }

  static ApplicationFailure failed(BuildTrigger trigger, String triggerId, Build build) {
    String detail = build.getStatusDetail().isBlank() ? "" : " (" + build.getStatusDetail() + ")";
    return ApplicationFailure.newNonRetryableFailure("build " + build.getId() + " of trigger " + triggerId + " in "
        + trigger.where() + " ended " + build.getStatus() + detail + "; log: " + build.getLogUrl(),
        CloudBuildWatcher.BUILD_FAILED);
  }

  static ApplicationFailure timedOut(BuildTrigger trigger, String triggerId, Build build, Duration elapsed,
      Duration buildTimeout) {
    return ApplicationFailure.newNonRetryableFailure("build " + build.getId() + " of trigger " + triggerId + " in "
        + trigger.where() + " is still " + build.getStatus() + " after " + Text.roughly(elapsed) + " (the limit is "
        + Text.duration(buildTimeout)
        + "); log: " + build.getLogUrl(), CloudBuildWatcher.BUILD_TIMEOUT);
  }

  /** A non-transient answer: waiting longer or retrying the activity cannot change it. */
  static ApplicationFailure apiError(BuildTrigger trigger, ApiException e) {
    StatusCode.Code code = e.getStatusCode().getCode();
    String hint = code == StatusCode.Code.PERMISSION_DENIED || code == StatusCode.Code.NOT_FOUND
        || code == StatusCode.Code.UNAUTHENTICATED
        ? ": the worker's service account needs " + VIEWER_ROLE + " on project " + trigger.project()
            + ", and the project must exist with the Cloud Build API enabled"
        : "";
    return ApplicationFailure.newNonRetryableFailure("Cloud Build in project " + trigger.where() + " answered "
        + describe(e) + hint, CloudBuildWatcher.API_ERROR);
  }

  /** A transient answer outside a wait, left for the activity's retry policy. */
  static ApplicationFailure unavailable(BuildTrigger trigger, ApiException e) {
    return ApplicationFailure.newFailure("Cloud Build in project " + trigger.where() + " answered " + describe(e),
        CloudBuildWatcher.API_UNAVAILABLE);
  }

  /** Retryable: an interrupt means this worker is stopping, and another can take the wait over. */
  static ApplicationFailure interrupted(BuildTrigger trigger) {
    return ApplicationFailure.newFailure("interrupted while waiting for builds in " + trigger.where()
        + " (worker shutting down?)", CloudBuildWatcher.WAIT_INTERRUPTED);
  }
}
