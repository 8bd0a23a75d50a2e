package org.fleetupgrade.fleet;

import java.util.List;
import java.util.Objects;
import org.fleetupgrade.resume.Resumption;
import org.fleetupgrade.version.TargetVersions;

/**
 * What {@code start} asks for: the target versions and the stages in promotion order.
 *
 * @param acknowledged the operator read the changelog review before starting (start --acknowledge)
 * @param allowPrerelease a target newer than the latest stable release is allowed
 * @param imagesTag the boot images' release tag for a stage that builds from a tag (start --images-tag);
 *     null: the next patch after the repository's highest vX.Y.Z tag
 * @param resumed what the previous run of this upgrade had established, when it ended unfinished;
 *     null for a first run (and in requests recorded before runs were resumed)
 */
public record UpgradeRequest(TargetVersions target, List<StagePlan> stages, boolean acknowledged, boolean allowPrerelease,
    String imagesTag, Resumption resumed) {

  public UpgradeRequest(TargetVersions target, List<StagePlan> stages) {
    this(target, stages, false, false, null, null);
  }

  public UpgradeRequest(TargetVersions target, List<StagePlan> stages, boolean acknowledged, boolean allowPrerelease) {
    this(target, stages, acknowledged, allowPrerelease, null, null);
  }

  public UpgradeRequest(TargetVersions target, List<StagePlan> stages, boolean acknowledged, boolean allowPrerelease,
      String imagesTag) {
    this(target, stages, acknowledged, allowPrerelease, imagesTag, null);
  }

  /**
   * This request with every scheduled gate waiting for {@code window} instead: for a server without
   * Schedules (the embedded test server of `demo` and `dev`).
   */
  public UpgradeRequest scheduledAsWindow(org.fleetupgrade.promotion.WeeklyWindow window) {
    List<StagePlan> plans = stages.stream().map(s -> s.promotion().mode() != org.fleetupgrade.promotion.PromotionMode.SCHEDULED
        ? s : s.withPromotion(new org.fleetupgrade.promotion.PromotionPolicy(s.promotion().soak(),
            org.fleetupgrade.promotion.PromotionMode.WINDOW, window))).toList();
    return new UpgradeRequest(target, plans, acknowledged, allowPrerelease, imagesTag, resumed);
  }

  /** Whether any gate waits for the weekly promotion Schedule. */
  public boolean hasScheduledGate() {
    return stages.subList(0, stages.size() - 1).stream()
        .anyMatch(s -> s.promotion().mode() == org.fleetupgrade.promotion.PromotionMode.SCHEDULED);
  }

  /** This request as a new run after {@code previous}. */
  public UpgradeRequest resuming(Resumption previous) {
    return new UpgradeRequest(target, stages, acknowledged, allowPrerelease, imagesTag, previous);
  }

  public UpgradeRequest {
    Objects.requireNonNull(target, "target");
    stages = List.copyOf(stages);
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("an upgrade needs at least one stage");
    }
  }

  /** The workflow id: one upgrade per Kubernetes target, so starting it twice finds the first. */
  public static String workflowId(TargetVersions target) {
    return "fleet-upgrade-" + target.kubernetes();
  }

  public String workflowId() {
    return workflowId(target);
  }
}
