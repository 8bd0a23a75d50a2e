package org.fleetupgrade.controlplane;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * The per-member steps of a control-plane upgrade. Every method is idempotent: a retry after a
 * crash finds the work done and does not do it twice.
 */
@ActivityInterface
public interface ControlPlaneActivities {

  /** Cordon and evict (ignoring DaemonSets, deleting emptyDir data). */
  @ActivityMethod
  DrainResult drain(String stage, ControlPlaneMember member);

  /** CNI plugins, crictl, kubeadm upgrade (apply or node, decided from the cluster), kubelet, kubectl. */
  @ActivityMethod
  MemberUpgradeResult upgrade(String stage, ControlPlaneMember member, TargetVersions target);

  /**
   * Static pod images, kubelet and kubeadm-config at the target. A mismatch fails with type
   * {@link #VERIFICATION_MISMATCH} (retryable: static pods take time to restart).
   */
  @ActivityMethod
  MemberVerification verify(String stage, ControlPlaneMember member, TargetVersions target);

  /**
   * What the member runs now, without failing on a mismatch: the checks of {@link #verify}, plus
   * whether its node is Ready and takes workloads. A member that passes every one is done, so a new
   * run of an upgrade skips it, drain included.
   */
  @ActivityMethod
  MemberVerification inspect(String stage, ControlPlaneMember member, TargetVersions target);

  @ActivityMethod
  void uncordon(String stage, ControlPlaneMember member);

  /**
   * After an abort while the member was cordoned for its upgrade: uncordons it if it is Ready (it
   * serves again, on whatever version it runs), else leaves it cordoned. Says which, and why.
   */
  @ActivityMethod
  String releaseAfterAbort(String stage, ControlPlaneMember member);

  /**
   * For a member a new run found done: if it is the member that ran {@code kubeadm upgrade apply}
   * for {@code target} (it keeps a mark of that), admin.conf reaches the bucket, copied unless the
   * bucket already holds it; on any other member nothing is done. A run stopped between apply and
   * the copy, or one whose step an operator skipped after finishing its script's work by hand,
   * otherwise leaves the renewed admin.conf on the host.
   */
  @ActivityMethod
  AdminConfResult ensureAdminConf(String stage, ControlPlaneMember member, TargetVersions target);

  String VERIFICATION_MISMATCH = "VerificationMismatch";
}
