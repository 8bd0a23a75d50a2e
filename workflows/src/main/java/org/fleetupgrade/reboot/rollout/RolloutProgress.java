package org.fleetupgrade.reboot.rollout;

import java.time.Instant;
import java.util.List;

/**
 * Where a rolling reboot is: counts, the nodes in flight (bounded by the window) with their site
 * and since when, the failed ones, and an estimate from the reboot times seen so far.
 */
public record RolloutProgress(int total, int rebooted, int alreadyAtTarget, int skipped, int failed, int inFlight,
    int remaining, List<InFlight> nodesInFlight, List<String> failedNodes, long meanRebootSeconds, Instant eta,
    boolean canary, boolean paused, String waitingFor) {

  public record InFlight(String node, String site, Instant since) {}

  public RolloutProgress {
    nodesInFlight = List.copyOf(nodesInFlight);
    failedNodes = List.copyOf(failedNodes);
  }

  public int done() {
    return rebooted + alreadyAtTarget + skipped;
  }
}
