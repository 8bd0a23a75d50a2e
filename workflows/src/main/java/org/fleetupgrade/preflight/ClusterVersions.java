package org.fleetupgrade.preflight;

import java.util.List;

/** What the version survey found, stage by stage in the order asked. */
public record ClusterVersions(List<StageVersion> stages) {

  public ClusterVersions {
    stages = List.copyOf(stages);
  }
}
