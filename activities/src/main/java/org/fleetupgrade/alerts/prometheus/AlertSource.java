package org.fleetupgrade.alerts.prometheus;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Where a stage's alerts come from and which of them block a step.
 *
 * @param api which API {@code endpoint} serves
 * @param endpoint the base URL of the Prometheus or Alertmanager (its API paths are added)
 * @param include every one of these must match an alert for it to block (none: every firing alert)
 * @param exclude an alert any of these matches never blocks
 * @param timeout for connecting and for the whole answer
 * @param proceedWhenUnavailable an endpoint that cannot be read lets steps go on (with a warning)
 *     instead of holding them
 */
public record AlertSource(Api api, URI endpoint, List<AlertMatcher> include, List<AlertMatcher> exclude, Duration timeout,
    boolean proceedWhenUnavailable) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** Prometheus's own always-firing alert, which says alerting works: never a reason to wait. */
  public static final List<String> DEFAULT_EXCLUDE = List.of("alertname=\"Watchdog\"");

  /** Where firing alerts are read. */
  public enum Api {
    /** Prometheus's {@code GET /api/v1/alerts}: every alert its rules fire. */
    PROMETHEUS("prometheus", "api/v1/alerts"),
    /**
     * Alertmanager's {@code GET /api/v2/alerts}, active ones that are neither silenced nor inhibited:
     * a silence is how an operator says "known, go on", and the gate honours it as the pager does.
     */
    ALERTMANAGER("alertmanager", "api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=true");

    /** The config key that names it. */
    public final String key;
    final String path;

    Api(String key, String path) {
      this.key = key;
      this.path = path;
    }
  }

  public AlertSource {
    java.util.Objects.requireNonNull(api, "api");
    include = List.copyOf(include);
    exclude = List.copyOf(exclude);
  }

  public boolean blocks(java.util.Map<String, String> labels) {
    return include.stream().allMatch(m -> m.matches(labels)) && exclude.stream().noneMatch(m -> m.matches(labels));
  }
}
