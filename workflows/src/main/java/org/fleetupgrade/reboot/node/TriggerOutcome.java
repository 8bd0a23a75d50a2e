package org.fleetupgrade.reboot.node;

/**
 * What asking a node to reboot did. {@code triggered} is false when the node had already rebooted
 * (its bootID differed from the one recorded before): a retry after a crash reboots nothing twice.
 */
public record TriggerOutcome(String node, boolean triggered, String method, String detail) {}
