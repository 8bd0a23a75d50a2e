package org.fleetupgrade.health;

/** Nodes of one role (control plane, platform, virtual): how many, how many Ready, how many at the target. */
public record RoleHealth(String role, int total, int ready, int atTarget) {}
