package org.fleetupgrade.fleet;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.fleetupgrade.promotion.PromotionPolicy;

/**
 * One environment of the fleet as the workflows see it. Connection details (credentials, SSH keys,
 * endpoints) stay in the worker's config: only the name travels, so no secret reaches history.
 *
 * @param convergenceDeadline how long health verification polls before the stage blocks
 * @param promotion the gate after this stage, before the next one starts (unused for the last)
 * @param maintenance when its disruptive steps (a member's upgrade, a node's reboot) may start; null:
 *     any time (and in plans from before windows)
 * @param heartbeatTimeout null: each step keeps its own timeouts (2 minutes of silence for the steps
 *     that heartbeat, start-to-close for the others); set (simulated stages, simulation.heartbeatTimeout):
 *     every activity of the stage also gets this heartbeat timeout, so an attempt whose worker died is
 *     retried that soon ({@link ActivityLiveness})
 * @param alerts the timing of its alert gate (the endpoint stays in the worker's config); null: no
 *     gate (and in plans from before the gate)
 */
public record StagePlan(
    String name,
    String project,
    String region,
    List<String> zones,
    Duration convergenceDeadline,
    RebootBudget reboot,
    PromotionPolicy promotion,
    org.fleetupgrade.maintenance.MaintenanceWindow maintenance,
    Duration heartbeatTimeout,
    org.fleetupgrade.alerts.AlertGate alerts) {

  public StagePlan(String name, String project, String region, List<String> zones, Duration convergenceDeadline,
      RebootBudget reboot, PromotionPolicy promotion) {
    this(name, project, region, zones, convergenceDeadline, reboot, promotion, null, null, null);
  }

  public StagePlan(String name, String project, String region, List<String> zones, Duration convergenceDeadline,
      RebootBudget reboot, PromotionPolicy promotion, org.fleetupgrade.maintenance.MaintenanceWindow maintenance) {
    this(name, project, region, zones, convergenceDeadline, reboot, promotion, maintenance, null, null);
  }

  public StagePlan {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(convergenceDeadline, "convergenceDeadline");
    Objects.requireNonNull(reboot, "reboot");
    Objects.requireNonNull(promotion, "promotion");
    zones = List.copyOf(zones);
  }

  public StagePlan withPromotion(PromotionPolicy newPromotion) {
    return new StagePlan(name, project, region, zones, convergenceDeadline, reboot, newPromotion, maintenance,
        heartbeatTimeout, alerts);
  }

  public StagePlan withMaintenance(org.fleetupgrade.maintenance.MaintenanceWindow window) {
    return new StagePlan(name, project, region, zones, convergenceDeadline, reboot, promotion, window, heartbeatTimeout,
        alerts);
  }

  public StagePlan withAlerts(org.fleetupgrade.alerts.AlertGate gate) {
    return new StagePlan(name, project, region, zones, convergenceDeadline, reboot, promotion, maintenance,
        heartbeatTimeout, gate);
  }
}
