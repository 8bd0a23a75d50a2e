package org.fleetupgrade.images.cloudbuild;

import com.google.cloudbuild.v1.GetBuildRequest;
import com.google.cloudbuild.v1.ListBuildsRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The ListBuilds and GetBuild requests of a trigger. A regional request carries both the resource
 * name (what gRPC routes on) and the project and id: the HTTP/JSON client of google-cloud-build
 * ignores the API's additional bindings and always builds the path /v1/projects/{projectId}/builds,
 * sending the location only in the x-goog-request-params header (sdk-platform-java#1440).
 */
final class BuildRequests {

  private static final int PAGE_SIZE = 50;

  private BuildRequests() {
  }

  static String filter(String triggerId, Instant since) {
    // Truncating moves the bound earlier, never past a build of the push.
    return "trigger_id=\"" + triggerId + "\" AND create_time>=\"" + since.truncatedTo(ChronoUnit.SECONDS) + "\"";
  }

  static ListBuildsRequest list(BuildTrigger trigger, String triggerId, Instant since) {
    ListBuildsRequest.Builder request = ListBuildsRequest.newBuilder()
        .setProjectId(trigger.project())
        .setFilter(filter(triggerId, since))
        .setPageSize(PAGE_SIZE);
    if (!trigger.global()) {
      request.setParent("projects/" + trigger.project() + "/locations/" + trigger.region());
    }
    return request.build();
  }

  static GetBuildRequest get(BuildTrigger trigger, String buildId) {
    GetBuildRequest.Builder request = GetBuildRequest.newBuilder().setProjectId(trigger.project()).setId(buildId);
    if (!trigger.global()) {
      request.setName("projects/" + trigger.project() + "/locations/" + trigger.region() + "/builds/" + buildId);
    }
    return request.build();
  }
}
