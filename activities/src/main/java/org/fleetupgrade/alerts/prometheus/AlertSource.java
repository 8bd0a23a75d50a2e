package org.fleetupgrade.alerts.prometheus;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Where a stage's alerts come from and which of them block a step.
 *
 * @param prometheus the Prometheus base URL; its {@code /api/v1/alerts} is read
 * @param include every one of these must match an alert for it to block (none: every firing alert)
 * @param exclude an alert any of these matches never blocks
 * @param timeout for connecting and for the whole answer
 * @param proceedWhenUnavailable an endpoint that cannot be read lets steps go on (with a warning)
 *     instead of holding them
 */
public record AlertSource(URI prometheus, List<AlertMatcher> include, List<AlertMatcher> exclude, Duration timeout,
    boolean proceedWhenUnavailable) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** Prometheus's own always-firing alert, which says alerting works: never a reason to wait. */
  public static final List<String> DEFAULT_EXCLUDE = List.of("alertname=\"Watchdog\"");

  public AlertSource {
    include = List.copyOf(include);
    exclude = List.copyOf(exclude);
  }

  public boolean blocks(java.util.Map<String, String> labels) {
    return include.stream().allMatch(m -> m.matches(labels)) && exclude.stream().noneMatch(m -> m.matches(labels));
  }
}
