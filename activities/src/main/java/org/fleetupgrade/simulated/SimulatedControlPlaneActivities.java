package org.fleetupgrade.simulated;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.stream.Collectors;
import org.fleetupgrade.controlplane.AdminConfResult;
import org.fleetupgrade.controlplane.ControlPlaneActivities;
import org.fleetupgrade.controlplane.DrainResult;
import org.fleetupgrade.controlplane.MemberUpgradeResult;
import org.fleetupgrade.controlplane.MemberVerification;
import org.fleetupgrade.controlplane.UpgradeMode;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

public class SimulatedControlPlaneActivities implements ControlPlaneActivities {

  private final SimulatedFleet fleet;

  public SimulatedControlPlaneActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public DrainResult drain(String stage, ControlPlaneMember member) {
    fleet.maybeFail("drain", stage, member.name());
    SimulatedWork.take(fleet.timing().drain(), "draining " + member.name());
    int evicted = fleet.cluster(stage).drain(member.name());
    return new DrainResult(member.name(), evicted, List.of("kube-system/kube-proxy (DaemonSet)"));
  }

  @Override
  public MemberUpgradeResult upgrade(String stage, ControlPlaneMember member, TargetVersions target) {
    fleet.maybeFail("upgrade", stage, member.name());
    SimulatedFleet.Cluster cluster = fleet.cluster(stage);
    UpgradeMode mode;
    Boolean adminConfCopied;
    if (cluster.memberAt(member.name(), target.kubernetes())) {
      // As the real script: a member already at the target is seen at once, and nothing is done.
      mode = cluster.upgrade(member.name(), target.kubernetes());
      adminConfCopied = copyAdminConfIfAppliedHere(stage, member, target);
    } else {
      // kubeadm changes the member halfway through the step's time; the rest is the static pods and
      // kubelet coming back. A worker that dies in that second half leaves the member upgraded and
      // Temporal not knowing it: the retry must find it so (and not apply twice).
      String doing = "upgrading " + member.name() + " to " + target.kubernetes();
      java.time.Duration half = fleet.timing().memberUpgrade().dividedBy(2);
      SimulatedWork.take(half, doing);
      mode = cluster.upgrade(member.name(), target.kubernetes());
      fleet.save();
      // As the script: the member that applied copies admin.conf right after apply (a failed copy
      // fails the step with the member upgraded, as a script stopped between the two leaves it).
      adminConfCopied = copyAdminConfIfAppliedHere(stage, member, target);
      SimulatedWork.take(fleet.timing().memberUpgrade().minus(half), doing);
    }
    String note = switch (mode) {
      case APPLY -> "kubeadm upgrade apply " + target.kubernetes() + " --force --certificate-renewal=true";
      case NODE -> "kubeadm upgrade node";
      case ALREADY_AT_TARGET -> "kubelet and static pods already at " + target.kubernetes() + ": nothing done";
    };
    if (adminConfCopied != null) {
      note += adminConfCopied ? "; admin.conf copied to " + adminConfDestination(stage)
          : "; " + adminConfDestination(stage) + " already held this admin.conf";
    }
    return new MemberUpgradeResult(member.name(), mode, note);
  }

  @Override
  public AdminConfResult ensureAdminConf(String stage, ControlPlaneMember member, TargetVersions target) {
    Boolean copied = copyAdminConfIfAppliedHere(stage, member, target);
    AdminConfResult.Outcome outcome = copied == null ? AdminConfResult.Outcome.NOT_APPLIED_HERE
        : copied ? AdminConfResult.Outcome.COPIED : AdminConfResult.Outcome.ALREADY_HELD;
    return new AdminConfResult(member.name(), outcome, adminConfDestination(stage));
  }

  /**
   * The script's copy_admin_conf_if_applied_here: null when the member did not apply the target,
   * else whether admin.conf was copied (false: the bucket held it). Fault step "admin-conf".
   */
  private Boolean copyAdminConfIfAppliedHere(String stage, ControlPlaneMember member, TargetVersions target) {
    SimulatedFleet.Cluster cluster = fleet.cluster(stage);
    if (!cluster.appliedHere(member.name(), target.kubernetes())) {
      return null;
    }
    fleet.maybeFail("admin-conf", stage, member.name());
    return cluster.copyAdminConf(member.name(), target.kubernetes());
  }

  private String adminConfDestination(String stage) {
    return "gs://k8s-support-" + fleet.cluster(stage).spec.project() + "/admin.conf";
  }

  @Override
  public MemberVerification verify(String stage, ControlPlaneMember member, TargetVersions target) {
    fleet.maybeFail("verify", stage, member.name());
    MemberVerification result = fleet.cluster(stage).verify(member.name(), target.kubernetes());
    if (!result.passed()) {
      throw ApplicationFailure.newFailure(member.name() + " does not run " + target.kubernetes() + ": "
          + result.failures().stream().map(Object::toString).collect(Collectors.joining("; ")),
          VERIFICATION_MISMATCH, result);
    }
    return result;
  }

  @Override
  public MemberVerification inspect(String stage, ControlPlaneMember member, TargetVersions target) {
    MemberVerification found = fleet.cluster(stage).verify(member.name(), target.kubernetes());
    List<org.fleetupgrade.controlplane.VerificationCheck> checks = new java.util.ArrayList<>(found.checks());
    checks.add(new org.fleetupgrade.controlplane.VerificationCheck("node " + member.name() + " takes workloads",
        "schedulable", fleet.cluster(stage).memberCordoned(member.name()) ? "cordoned" : "schedulable"));
    return new MemberVerification(member.name(), checks);
  }

  @Override
  public void uncordon(String stage, ControlPlaneMember member) {
    fleet.maybeFail("uncordon", stage, member.name());
    fleet.cluster(stage).uncordon(member.name());
  }

  @Override
  public String releaseAfterAbort(String stage, ControlPlaneMember member) {
    if (!fleet.cluster(stage).memberCordoned(member.name())) {
      return member.name() + " is not cordoned";
    }
    fleet.cluster(stage).uncordon(member.name());
    return member.name() + " uncordoned: it is Ready (simulated)";
  }
}
