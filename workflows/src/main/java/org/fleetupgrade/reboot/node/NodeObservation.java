package org.fleetupgrade.reboot.node;

/**
 * A node as the cluster reports it now. {@code bootId} is the kernel's per-boot id
 * (status.nodeInfo.bootID): the only proof of a reboot, since a fast one may never show NotReady.
 *
 * @param excludedBecause why the stage's rules leave this node alone (a lame-duck taint, a
 *     maintenance label), or null
 * @param cordonedByUs the node carries our cordon marker for this rollout
 */
public record NodeObservation(String node, boolean exists, String bootId, boolean ready, String kubeletVersion,
    boolean cordoned, boolean cordonedByUs, String excludedBecause) {

  public boolean atTarget(String target) {
    return exists && ready && target.equals(kubeletVersion);
  }

  /** Back from a reboot: another boot than {@code before}, Ready, at the target kubelet. */
  public boolean rebootedFrom(String before, String target) {
    return atTarget(target) && bootId != null && !bootId.equals(before);
  }
}
