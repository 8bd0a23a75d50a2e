package org.fleetupgrade.reboot.node;

import java.util.List;
import org.fleetupgrade.fleet.PlatformNode;

/**
 * One page of a stage's platform nodes still to reboot, in name order after a cursor: at most the
 * page size of nodes, so no payload grows with the fleet. Nodes already at the target kubelet and
 * nodes the stage's rules exclude are counted, not returned.
 *
 * @param last the last node name this page looked at: the next page starts after it
 * @param more whether nodes follow {@code last}
 * @param total the stage's platform nodes, all pages together, when this page was read
 * @param excludedSample a few excluded nodes with the reason (the log has them all)
 */
public record NodePage(List<PlatformNode> pending, String last, boolean more, int total, int atTarget, int excluded,
    List<String> excludedSample) {

  /** Excluded nodes named in one page at most. */
  public static final int SAMPLE = 20;

  public NodePage {
    pending = List.copyOf(pending);
    excludedSample = List.copyOf(excludedSample);
  }
}
