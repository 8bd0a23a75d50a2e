package org.fleetupgrade.upgrade;

import java.util.List;
import org.fleetupgrade.preflight.UpgradeReviewWorkflowImpl;
import org.fleetupgrade.reboot.RollingRebootWorkflowImpl;

/** What a fleet-upgrade worker registers, in one place for the worker, `dev`, `demo` and tests. */
public final class FleetWorkflows {

  /** The default task queue; a config may name another. */
  public static final String TASK_QUEUE = "fleet-upgrade";

  public static final List<Class<?>> IMPLEMENTATIONS = List.of(
      FleetUpgradeWorkflowImpl.class,
      StageUpgradeWorkflowImpl.class,
      RollingRebootWorkflowImpl.class,
      org.fleetupgrade.reboot.rollout.NodeRolloutWorkflowImpl.class,
      org.fleetupgrade.reboot.rollout.NodeRebootWorkflowImpl.class,
      UpgradeReviewWorkflowImpl.class,
      org.fleetupgrade.promotion.WeeklyPromotionWorkflowImpl.class);

  private FleetWorkflows() {}

  public static Class<?>[] implementations() {
    return IMPLEMENTATIONS.toArray(new Class<?>[0]);
  }
}
