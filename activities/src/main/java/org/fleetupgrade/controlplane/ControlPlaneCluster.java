package org.fleetupgrade.controlplane;

import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * The cluster side of a member's upgrade, through the Kubernetes API: drain before, verify and
 * uncordon after. The fabric8 adapter implements it for real stages.
 */
public interface ControlPlaneCluster {

  DrainResult drain(ControlPlaneMember member);

  MemberVerification verify(ControlPlaneMember member, TargetVersions target);

  /** The checks of verify plus Ready and schedulable, as found: never fails on a mismatch. */
  MemberVerification inspect(ControlPlaneMember member, TargetVersions target);

  void uncordon(ControlPlaneMember member);

  /** Uncordons {@code member} if it is Ready; says what it did. */
  String releaseAfterAbort(ControlPlaneMember member);
}
