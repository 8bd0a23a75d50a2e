package org.fleetupgrade.reboot.rollout;

import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.reboot.node.NodePage;

/**
 * Where a rollout is in its stage's node list, read page by page: the last name read, whether more
 * follow, the stage's node count, and the nodes left alone (a bounded sample with reasons).
 */
public record NodePaging(String after, boolean more, int total, List<String> excludedSample) {

  public static final NodePaging START = new NodePaging(null, true, 0, List.of());

  public NodePaging {
    excludedSample = excludedSample == null ? List.of() : List.copyOf(excludedSample);
  }

  public NodePaging read(NodePage page) {
    List<String> sample = new ArrayList<>(excludedSample);
    page.excludedSample().stream().limit(Math.max(0, NodePage.SAMPLE - sample.size())).forEach(sample::add);
    return new NodePaging(page.last() == null ? after : page.last(), page.more(), page.total(), sample);
  }
}
