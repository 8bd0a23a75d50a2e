package org.fleetupgrade.reboot.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.fleetupgrade.status.Text;

/**
 * Where a rolling reboot is: counts, the nodes in flight with their site and since when, the failed
 * ones, the slowest reboot so far, the nodes left alone (a sample), and an estimate from the reboot
 * times seen so far. The query answers with every node in flight; what the stage keeps (and the
 * fleet mirrors, and the web UI shows) is {@link #bounded}.
 *
 * @param slowest the longest reboot that came back so far, or null
 * @param excludedSample nodes the stage's rules leave alone, with the reason (at most 20)
 */
public record RolloutProgress(int total, int rebooted, int alreadyAtTarget, int skipped, int failed, int inFlight,
    int remaining, List<InFlight> nodesInFlight, List<String> failedNodes, long meanRebootSeconds, Instant eta,
    boolean canary, boolean paused, String waitingFor, NodeResult slowest, List<String> excludedSample) {

  /** Nodes in flight and failed nodes a bounded copy names. */
  public static final int NAMED = 10;

  public record InFlight(String node, String site, Instant since) {}

  public RolloutProgress {
    nodesInFlight = List.copyOf(nodesInFlight);
    failedNodes = List.copyOf(failedNodes);
    excludedSample = excludedSample == null ? List.of() : List.copyOf(excludedSample);
  }

  public int done() {
    return rebooted + alreadyAtTarget + skipped;
  }

  /** The same, naming only the {@value #NAMED} nodes longest in flight and the first failed ones. */
  public RolloutProgress bounded() {
    return new RolloutProgress(total, rebooted, alreadyAtTarget, skipped, failed, inFlight, remaining,
        longestInFlight(NAMED), failedNodes.stream().limit(NAMED).toList(), meanRebootSeconds, eta, canary, paused,
        waitingFor, slowest, excludedSample);
  }

  /** The nodes in flight, longest first. */
  public List<InFlight> longestInFlight(int most) {
    return nodesInFlight.stream().sorted(Comparator.comparing(InFlight::since)).limit(most).toList();
  }

  /** One line: "325/600 done (300 rebooted, 20 already at target, 5 left alone), 3 in flight, 2 failed, 270 to go". */
  public String summary() {
    return done() + "/" + total + " done (" + rebooted + " rebooted, " + alreadyAtTarget + " already at target, "
        + skipped + " left alone), " + inFlight + " in flight, " + failed + " failed, " + remaining + " to go"
        + (canary ? "  [canary]" : "") + (paused ? "  [paused]" : "");
  }

  /** The slowest reboot so far, e.g. "slowest: mlab1-ams01 (27m)", or null. */
  public String slowestLine() {
    return slowest == null ? null : "slowest: " + slowest.node() + " (" + Text.roughly(Duration.ofSeconds(slowest.seconds())) + ")";
  }
}
