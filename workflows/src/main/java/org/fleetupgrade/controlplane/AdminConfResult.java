package org.fleetupgrade.controlplane;

/**
 * What {@link ControlPlaneActivities#ensureAdminConf} found on a member: whether it is the member
 * that ran {@code kubeadm upgrade apply} for the target, and if so whether its admin.conf had to be
 * copied to the bucket.
 *
 * @param destination where admin.conf is kept (gs://...)
 */
public record AdminConfResult(String member, Outcome outcome, String destination) {

  public enum Outcome {
    /** This member applied, and the bucket held another admin.conf: copied now. */
    COPIED,
    /** This member applied, and the bucket already held its admin.conf: nothing done. */
    ALREADY_HELD,
    /** This member did not apply the target: admin.conf is not its to copy, nothing done. */
    NOT_APPLIED_HERE
  }
}
