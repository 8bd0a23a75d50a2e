package org.fleetupgrade.images.cloudbuild;

import java.time.Duration;

/**
 * One poll of a wait, for heartbeats and operators: {@code buildId} and {@code logUrl} are null while
 * the build has not appeared; {@code elapsed} counts from the build's creation, or from the start of
 * the wait while searching.
 */
public record BuildWait(String triggerId, String buildId, String status, Duration elapsed, String logUrl) {

  /** The status while no build of the ref has been listed yet. */
  public static final String SEARCHING = "SEARCHING";

  /** The prefix of the status of a poll the API answered with a transient error. */
  public static final String API_ERROR = "API error: ";
}
