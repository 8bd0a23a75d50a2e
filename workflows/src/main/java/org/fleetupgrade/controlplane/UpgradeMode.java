package org.fleetupgrade.controlplane;

/** Which kubeadm command a member's upgrade ran. */
public enum UpgradeMode {
  /** {@code kubeadm upgrade apply}: the first member, while kubeadm-config is not yet at the target. */
  APPLY,
  /** {@code kubeadm upgrade node}: every member after the cluster configuration is at the target. */
  NODE,
  /** The member already ran the target (e.g. a re-run after a crash): nothing was done twice. */
  ALREADY_AT_TARGET
}
