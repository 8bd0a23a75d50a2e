package org.fleetupgrade.fleet;

import org.fleetupgrade.version.ReleaseVersion;

/** A control-plane VM: one per zone, upgraded strictly one at a time in zone order. */
public record ControlPlaneMember(
    String name, String zone, String internalIp, String externalIp, ReleaseVersion kubeletVersion) {}
