package org.fleetupgrade.alerts;

/**
 * One firing alert that blocks a step.
 *
 * @param name its alertname
 * @param labels its other labels, short ({@code severity="critical", job="api"}), bounded in length
 * @param activeAt since when it is active, as Prometheus says (RFC 3339), or null
 */
public record FiringAlert(String name, String labels, String activeAt) {

  @Override
  public String toString() {
    return name + (labels == null || labels.isEmpty() ? "" : "{" + labels + "}")
        + (activeAt == null ? "" : " since " + activeAt);
  }
}
