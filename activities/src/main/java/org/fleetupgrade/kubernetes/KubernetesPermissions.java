package org.fleetupgrade.kubernetes;

import java.util.List;
import java.util.Map;

/**
 * Every API verb the Kubernetes adapter uses, and nothing more: k8s/rbac.yaml grants exactly these
 * (a test compares the two), so a new call without a new grant fails the build, not production.
 */
public final class KubernetesPermissions {

  /** Cluster-wide: resource -> verbs (drain, uncordon, verification, health). */
  public static final Map<String, List<String>> CLUSTER = Map.of(
      "nodes", List.of("get", "list", "patch"),
      "pods", List.of("get", "list"),
      "pods/eviction", List.of("create"));

  /** In kube-system only: the kubeadm-config ConfigMap. */
  public static final Map<String, List<String>> KUBE_SYSTEM = Map.of("configmaps", List.of("get"));

  /**
   * In kured's namespace (M-Lab: default), apps group, its DaemonSet only: the lock annotation a
   * rollout holds (read, then a conditional update).
   */
  public static final Map<String, List<String>> KURED = Map.of("daemonsets", List.of("get", "update"));

  private KubernetesPermissions() {}
}
