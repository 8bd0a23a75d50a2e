package org.fleetupgrade.controlplane;

import org.fleetupgrade.version.ReleaseVersion;

/** A cloud virtual node: its node name, the address SSH reaches it at, and its kubelet's version. */
public record VirtualNode(String name, String address, ReleaseVersion kubeletVersion) {}
