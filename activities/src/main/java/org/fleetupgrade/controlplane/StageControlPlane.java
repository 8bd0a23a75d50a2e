package org.fleetupgrade.controlplane;

/** How one real stage's control plane is reached: its cluster API, and SSH to its members. */
public record StageControlPlane(ControlPlaneCluster cluster, SshMemberUpgrader upgrader) {}
