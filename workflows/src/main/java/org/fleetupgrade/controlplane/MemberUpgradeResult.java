package org.fleetupgrade.controlplane;

/** The outcome of one member's upgrade, with what an operator would want in the timeline. */
public record MemberUpgradeResult(String member, UpgradeMode mode, String note) {}
