package org.fleetupgrade.reboot.node;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.controlplane.DrainResult;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * One platform node's reboot, in short idempotent steps, so the workflow holds the state (the
 * bootID before, when it was triggered) and waits on durable timers between looks: a worker crash
 * anywhere loses nothing and repeats nothing.
 */
@ActivityInterface(namePrefix = "Node")
public interface NodeRebootActivities {

  /**
   * The stage's platform nodes still to reboot, in name order after {@code after} (null: from the
   * start), at most {@code limit}; those already at {@code target} or excluded are only counted.
   */
  @ActivityMethod
  NodePage pendingNodes(String stage, ReleaseVersion target, String after, int limit);

  /** The node now: bootID, readiness, kubelet, cordon, and whether the stage's rules exclude it. */
  @ActivityMethod
  NodeObservation observe(NodeTarget node);

  /** Cordons (marking the node as cordoned by this rollout) and drains it, respecting PodDisruptionBudgets. */
  @ActivityMethod
  DrainResult cordonAndDrain(NodeTarget node);

  /** Reboots the node by the stage's method, unless its bootID already differs from {@code bootIdBefore}. */
  @ActivityMethod
  TriggerOutcome trigger(NodeTarget node, String bootIdBefore);

  /** Uncordons a node this rollout cordoned; a node cordoned by someone else stays as it is. Returns whether it did. */
  @ActivityMethod
  boolean uncordon(NodeTarget node);
}
