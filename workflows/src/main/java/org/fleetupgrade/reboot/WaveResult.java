package org.fleetupgrade.reboot;

import java.util.List;

/** One reboot wave: which nodes rebooted and came back, which were already at the target. */
public record WaveResult(List<String> rebooted, List<String> alreadyAtTarget) {

  public WaveResult {
    rebooted = List.copyOf(rebooted);
    alreadyAtTarget = List.copyOf(alreadyAtTarget);
  }
}
