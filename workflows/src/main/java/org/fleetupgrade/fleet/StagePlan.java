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
    org.fleetupgrade.alerts.AlertGate alerts) {

  public StagePlan(String name, String project, String region, List<String> zones, Duration convergenceDeadline,
      RebootBudget reboot, PromotionPolicy promotion) {
    this(name, project, region, zones, convergenceDeadline, reboot, promotion, null, null);
  }

  public StagePlan(String name, String project, String region, List<String> zones, Duration convergenceDeadline,
      RebootBudget reboot, PromotionPolicy promotion, org.fleetupgrade.maintenance.MaintenanceWindow maintenance) {
    this(name, project, region, zones, convergenceDeadline, reboot, promotion, maintenance, null);
  }

  public StagePlan {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(convergenceDeadline, "convergenceDeadline");
    Objects.requireNonNull(reboot, "reboot");
    Objects.requireNonNull(promotion, "promotion");
    zones = List.copyOf(zones);
  }

  public StagePlan withPromotion(PromotionPolicy newPromotion) {
    return new StagePlan(name, project, region, zones, convergenceDeadline, reboot, newPromotion, maintenance, alerts);
  }

  public StagePlan withMaintenance(org.fleetupgrade.maintenance.MaintenanceWindow window) {
    return new StagePlan(name, project, region, zones, convergenceDeadline, reboot, promotion, window, alerts);
  }

  public StagePlan withAlerts(org.fleetupgrade.alerts.AlertGate gate) {
    return new StagePlan(name, project, region, zones, convergenceDeadline, reboot, promotion, maintenance, gate);
  }
}
