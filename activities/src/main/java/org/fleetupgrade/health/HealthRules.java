package org.fleetupgrade.health;

import java.util.List;

/**
 * Which nodes have which role, and which pods health ignores: whole namespaces, pods matching a
 * label selector ({@code key} or {@code key=value}), and pods on nodes carrying a taint (e.g. a
 * lame-duck node taken out of service on purpose).
 */
public record HealthRules(
    String controlPlaneLabel,
    String virtualSelector,
    List<String> ignoredNamespaces,
    List<String> ignoredPodSelectors,
    List<String> ignoredNodeTaints,
    int pageSize) {

  public static final HealthRules DEFAULT = new HealthRules("node-role.kubernetes.io/control-plane", "mlab/type=virtual",
      List.of(), List.of(), List.of("lame-duck"), 500);

  public HealthRules {
    ignoredNamespaces = List.copyOf(ignoredNamespaces);
    ignoredPodSelectors = List.copyOf(ignoredPodSelectors);
    ignoredNodeTaints = List.copyOf(ignoredNodeTaints);
  }
}
