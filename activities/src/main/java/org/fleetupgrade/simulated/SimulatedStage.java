package org.fleetupgrade.simulated;

import java.util.List;
import java.util.Objects;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * The shape of one simulated environment: its control-plane members (one per zone, named like the
 * real ones), its sites of platform nodes, a few virtual nodes, and the version it runs today.
 */
public record SimulatedStage(
    String name,
    String project,
    String region,
    List<String> zones,
    String memberNamePattern,
    ReleaseVersion currentVersion,
    int sites,
    int nodesPerSite,
    int virtualNodes) {

  public SimulatedStage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(currentVersion, "currentVersion");
    zones = List.copyOf(zones);
    if (sites < 0 || nodesPerSite < 0 || virtualNodes < 0) {
      throw new IllegalArgumentException("node counts must not be negative");
    }
  }
}
