package org.fleetupgrade.preflight;

import org.fleetupgrade.version.ReleaseVersion;

/**
 * A stage's cluster version (kubeadm-config, the control plane's) as found, or why it could not be
 * found: exactly one of {@code version} and {@code error} is set. And how far its nodes are: every
 * node (members, platform, virtual) at the target version, Ready, and no problem pods. The counts
 * are null when they could not be read, or in reviews from before they were.
 *
 * @param nodesAtTarget nodes whose kubelet runs the target
 * @param nodesTotal every node of the stage
 * @param healthy every node at the target and Ready, and no problem pod
 * @param nodesError why the counts could not be read, or null
 */
public record StageVersion(String stage, String version, String error, Integer nodesAtTarget, Integer nodesTotal,
    Boolean healthy, String nodesError) {

  public StageVersion(String stage, String version, String error) {
    this(stage, version, error, null, null, null, null);
  }

  /**
   * At the target: its control plane runs it and every node is at it, Ready and without problem
   * pods. A stage whose nodes could not be counted is not known to be.
   */
  public boolean atTarget(ReleaseVersion target) {
    return target.toString().equals(version) && Boolean.TRUE.equals(healthy);
  }

  /** "36/86 nodes at target", or why that is unknown; null in reviews from before the counts. */
  public String nodesText() {
    if (nodesError != null) {
      return "nodes unknown: " + nodesError;
    }
    if (nodesTotal == null) {
      return null;
    }
    return nodesAtTarget + "/" + nodesTotal + (nodesTotal == 1 ? " node" : " nodes") + " at target"
        + (Boolean.TRUE.equals(healthy) ? ", healthy" : Boolean.FALSE.equals(healthy)
            && nodesAtTarget.equals(nodesTotal) ? ", not healthy" : "");
  }
}
