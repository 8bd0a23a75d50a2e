package org.fleetupgrade.controlplane;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.stream.Collectors;
import org.fleetupgrade.controlplane.drain.DrainException;
import org.fleetupgrade.controlplane.drain.EvictionResult;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * The cluster side of a member's upgrade on the Kubernetes API (fabric8). Failures are typed for the
 * workflow's retry policies: a drain a budget blocked past its timeout and a pod nothing would
 * recreate are not retried (an operator decides); a verification mismatch is (static pods take
 * time to restart).
 */
public class Fabric8ControlPlaneCluster implements ControlPlaneCluster {

  public static final String DRAIN_BLOCKED = "DrainBlocked";
  public static final String DRAIN_REFUSED = "DrainRefused";

  private final NodeDrainer drainer;
  private final ControlPlaneVerifier verifier;

  public Fabric8ControlPlaneCluster(NodeDrainer drainer, ControlPlaneVerifier verifier) {
    this.drainer = drainer;
    this.verifier = verifier;
  }

  @Override
  public DrainResult drain(ControlPlaneMember member) {
    EvictionResult result;
    try {
      result = drainer.drain(member.name());
    } catch (DrainException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), DRAIN_REFUSED);
    }
    if (!result.complete()) {
      throw ApplicationFailure.newNonRetryableFailure("drain of " + member.name() + " blocked by disruption budgets: "
          + result.blocked().stream().map(Object::toString).collect(Collectors.joining("; "))
          + " (" + result.evicted().size() + " evicted meanwhile)", DRAIN_BLOCKED, result);
    }
    return new DrainResult(member.name(), result.evicted().size(), result.leftAlone());
  }

  @Override
  public MemberVerification verify(ControlPlaneMember member, TargetVersions target) {
    MemberVerification verification = verifier.verify(member.name(), target.kubernetes());
    List<VerificationCheck> failures = verification.failures();
    if (!failures.isEmpty()) {
      throw ApplicationFailure.newFailure(member.name() + " does not run " + target.kubernetes() + " yet: "
          + failures.stream().map(Object::toString).collect(Collectors.joining("; ")),
          ControlPlaneActivities.VERIFICATION_MISMATCH, verification);
    }
    return verification;
  }

  @Override
  public MemberVerification inspect(ControlPlaneMember member, TargetVersions target) {
    return verifier.inspect(member.name(), target.kubernetes());
  }

  @Override
  public String releaseAfterAbort(ControlPlaneMember member) {
    try {
      return drainer.uncordonIfReady(member.name());
    } catch (DrainException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), DRAIN_REFUSED);
    }
  }

  @Override
  public void uncordon(ControlPlaneMember member) {
    try {
      drainer.uncordon(member.name());
    } catch (DrainException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), DRAIN_REFUSED);
    }
  }
}
