package org.fleetupgrade.controlplane;

/** A control-plane VM as Compute Engine reports it. */
public record ControlPlaneVm(String name, String zone, String internalIp, String externalIp, String status) {}
