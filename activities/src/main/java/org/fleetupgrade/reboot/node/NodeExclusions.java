package org.fleetupgrade.reboot.node;

import java.util.List;

/**
 * Nodes a rollout leaves alone, and lists: those with one of {@code taints} (M-Lab's `lame-duck`,
 * a node taken out of service) or matching one of {@code selectors} (`key` or `key=value`, e.g. a
 * maintenance label).
 */
public record NodeExclusions(List<String> taints, List<String> selectors) {

  public static final NodeExclusions DEFAULT = new NodeExclusions(List.of("lame-duck"), List.of());

  public NodeExclusions {
    taints = List.copyOf(taints);
    selectors = List.copyOf(selectors);
  }
}
