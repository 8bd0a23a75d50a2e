package org.fleetupgrade.simulated;

import io.temporal.activity.Activity;
import java.time.Duration;
import org.fleetupgrade.controlplane.DrainResult;
import org.fleetupgrade.reboot.node.NodeObservation;
import org.fleetupgrade.reboot.node.NodePage;
import org.fleetupgrade.reboot.node.NodeRebootActivities;
import org.fleetupgrade.reboot.node.NodeTarget;
import org.fleetupgrade.reboot.node.TriggerOutcome;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * A simulated node's reboot in server time: each activity reads the time Temporal scheduled it
 * (which time skipping moves), so a rollout of 600 nodes with minutes-long reboots runs in seconds
 * and its makespan is the one a real rollout would have. Reboot times vary per node, stably.
 */
public class SimulatedNodeReboots implements NodeRebootActivities {

  private final SimulatedFleet fleet;

  public SimulatedNodeReboots(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  private static long now() {
    return Activity.getExecutionContext().getInfo().getCurrentAttemptScheduledTimestamp();
  }

  @Override
  public NodePage pendingNodes(String stage, ReleaseVersion target, String after, int limit) {
    SimulatedFleet.Cluster cluster = fleet.cluster(stage);
    return cluster.page(target, after, limit);
  }

  @Override
  public NodeObservation observe(NodeTarget target) {
    SimulatedFleet.Cluster cluster = fleet.cluster(target.stage());
    SimulatedFleet.Node n = cluster.look(cluster.platformNode(target.node()), now());
    synchronized (cluster) {
      return new NodeObservation(n.name, true, "boot-" + n.boot, n.ready, n.kubelet.toString(), n.cordoned,
          target.rollout().equals(n.cordonedBy), null);
    }
  }

  @Override
  public DrainResult cordonAndDrain(NodeTarget target) {
    fleet.maybeFail("drain", target.stage(), target.node());
    SimulatedFleet.Cluster cluster = fleet.cluster(target.stage());
    synchronized (cluster) {
      SimulatedFleet.Node n = cluster.platformNode(target.node());
      if (!n.cordoned) {
        n.cordonedBy = target.rollout();
      }
      if (target.rollout().equals(n.cordonedBy) && n.cordonedAt == 0) {
        n.cordonedAt = now();
        n.cordonedOnBoot = n.boot;
      }
      n.cordoned = true;
    }
    return new DrainResult(target.node(), 2, java.util.List.of());
  }

  @Override
  public TriggerOutcome trigger(NodeTarget target, String bootIdBefore) {
    SimulatedFleet.Cluster cluster = fleet.cluster(target.stage());
    SimulatedFleet.Node n = cluster.look(cluster.platformNode(target.node()), now());
    synchronized (cluster) {
      if (bootIdBefore != null && !bootIdBefore.equals("boot-" + n.boot)) {
        return new TriggerOutcome(n.name, false, "simulated", "already rebooted");
      }
      if (n.backAt > 0) {
        return new TriggerOutcome(n.name, false, "simulated", "already rebooting");
      }
    }
    fleet.maybeFail("reboot", target.stage(), target.node());
    boolean lost = fleet.fires("node-lost", target.stage(), target.node());
    boolean oldImage = fleet.fires("node-old-image", target.stage(), target.node());
    cluster.rebootAt(n, now(), fleet.rebootTime(target.node()), lost, oldImage);
    fleet.maybeFail("after-trigger", target.stage(), target.node());
    return new TriggerOutcome(n.name, true, "simulated", "rebooting");
  }

  @Override
  public boolean uncordon(NodeTarget target) {
    SimulatedFleet.Cluster cluster = fleet.cluster(target.stage());
    synchronized (cluster) {
      SimulatedFleet.Node n = cluster.platformNode(target.node());
      if (!target.rollout().equals(n.cordonedBy)) {
        return false;
      }
      if (n.cordonedAt > 0 && n.boot != n.cordonedOnBoot) {
        n.lastRebootSeconds = (int) ((now() - n.cordonedAt) / 1000);
      }
      n.cordoned = false;
      n.cordonedBy = null;
      n.cordonedAt = 0;
      return true;
    }
  }

  /** For tests and the benchmark: how long {@code node} takes to reboot. */
  public Duration rebootTime(String node) {
    return fleet.rebootTime(node);
  }
}
