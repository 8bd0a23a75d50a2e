package org.fleetupgrade.fleet;

/**
 * A bare-metal node that network-boots the stage's image; {@code site} is e.g. "lga03".
 *
 * @param lastRebootSeconds how long the node's last reboot by this tool took, cordon to uncordon,
 *     as recorded on the node; null when unknown. A rollout starts the slowest known nodes first:
 *     a node's hardware (its firmware's boot, its disks) makes it slow again next time.
 */
public record PlatformNode(String name, String site, Integer lastRebootSeconds) {

  public PlatformNode(String name, String site) {
    this(name, site, null);
  }
}
