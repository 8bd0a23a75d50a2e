package org.fleetupgrade.controlplane;

import java.util.List;

/** Heartbeat details of a member upgrade: where the script is and what it printed last. */
public record UpgradeProgress(String member, String step, List<String> lastLines) {

  public UpgradeProgress {
    lastLines = List.copyOf(lastLines);
  }
}
