package org.fleetupgrade.fleet;

/** A bare-metal node that network-boots the stage's image; {@code site} is e.g. "lga03". */
public record PlatformNode(String name, String site) {}
