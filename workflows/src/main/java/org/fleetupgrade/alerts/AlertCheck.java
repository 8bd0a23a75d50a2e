package org.fleetupgrade.alerts;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What a stage's alert source says now: how many alerts fire, which of them block (at most
 * {@link #MAX_LISTED} listed, {@code blocking} counts them all), or why it could not say.
 *
 * @param unavailable why the endpoint could not be read (unreachable, an error, not its API); null
 *     when it answered
 * @param proceedWhenUnavailable the stage's config says an unreadable endpoint does not hold steps
 */
public record AlertCheck(int firing, int blocking, List<FiringAlert> alerts, String unavailable,
    boolean proceedWhenUnavailable) {

  public static final int MAX_LISTED = 10;

  public AlertCheck {
    alerts = alerts == null ? List.of() : List.copyOf(alerts.subList(0, Math.min(alerts.size(), MAX_LISTED)));
  }

  /** A stage without an alert gate: nothing fires, nothing blocks. */
  public static AlertCheck none() {
    return new AlertCheck(0, 0, List.of(), null, false);
  }

  public static AlertCheck unavailable(String reason, boolean proceed) {
    return new AlertCheck(0, 0, List.of(), reason, proceed);
  }

  /** Whether a step must wait: a blocking alert fires, or the endpoint cannot be read and the config says wait. */
  public boolean holds() {
    return blocking > 0 || (unavailable != null && !proceedWhenUnavailable);
  }

  /** One line: the blocking alerts (name, labels, since when), or why the endpoint could not be read. */
  public String summary() {
    if (unavailable != null) {
      return "alert endpoint unavailable: " + unavailable;
    }
    if (blocking == 0) {
      return "no blocking alert (" + firing + " firing)";
    }
    String listed = alerts.stream().map(FiringAlert::toString).collect(Collectors.joining("; "));
    return blocking + " blocking alert" + (blocking == 1 ? "" : "s") + ": " + listed
        + (blocking > alerts.size() ? "; and " + (blocking - alerts.size()) + " more" : "");
  }

  /** Short, for a step's status line: the names only. */
  public String names() {
    if (unavailable != null) {
      return "alert endpoint unavailable";
    }
    return alerts.stream().map(FiringAlert::name).distinct().collect(Collectors.joining(", "))
        + (blocking > alerts.size() ? ", ..." : "");
  }
}
