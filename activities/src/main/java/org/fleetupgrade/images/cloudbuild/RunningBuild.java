package org.fleetupgrade.images.cloudbuild;

import java.time.Instant;

/** A build that has not ended yet (PENDING, QUEUED or WORKING). */
public record RunningBuild(String triggerId, String buildId, String status, Instant createTime, String logUrl) {
}
