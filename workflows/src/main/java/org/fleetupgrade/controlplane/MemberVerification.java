package org.fleetupgrade.controlplane;

import java.util.List;

/** Every check run on a member after its upgrade, not a bare boolean. */
public record MemberVerification(String member, List<VerificationCheck> checks) {

  public MemberVerification {
    checks = List.copyOf(checks);
  }

  public boolean passed() {
    return checks.stream().allMatch(VerificationCheck::passed);
  }

  public List<VerificationCheck> failures() {
    return checks.stream().filter(c -> !c.passed()).toList();
  }
}
