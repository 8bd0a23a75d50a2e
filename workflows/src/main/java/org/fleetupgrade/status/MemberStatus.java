package org.fleetupgrade.status;

/** One control-plane member's progress; {@code mode} is apply, node or already-at-target once known. */
public record MemberStatus(String name, String zone, MemberPhase phase, String mode) {

  public MemberStatus with(MemberPhase newPhase) {
    return new MemberStatus(name, zone, newPhase, mode);
  }

  public MemberStatus withMode(String newMode) {
    return new MemberStatus(name, zone, phase, newMode);
  }
}
