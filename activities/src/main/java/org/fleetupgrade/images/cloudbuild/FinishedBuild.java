package org.fleetupgrade.images.cloudbuild;

import java.time.Instant;

/** A build that ended in SUCCESS; {@code startTime} and {@code finishTime} are null when Cloud Build left them out. */
public record FinishedBuild(String triggerId, String buildId, String status, String logUrl, Instant startTime,
    Instant finishTime) {
}
