package org.fleetupgrade.preflight;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.version.ReleaseVersion;

/** Preflight: what a stage consists of and which version it runs. */
@ActivityInterface
public interface InventoryActivities {

  /** Control-plane members in zone order, platform and virtual nodes, and the cluster's version. */
  @ActivityMethod
  StageInventory inventory(String stage);

  /** Only the cluster's version (kubeadm-config): cheap, used by `start` to check the upgrade path. */
  @ActivityMethod
  ReleaseVersion clusterVersion(String stage);
}
