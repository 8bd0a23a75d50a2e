package org.fleetupgrade.reboot.kured;

import java.time.Duration;

/**
 * Where kured keeps its reboot lock, and how long a lock of ours lives if nobody renews it.
 *
 * <p>{@link #DEFAULT} is M-Lab's cluster: the Helm release {@code kubereboot} of chart
 * {@code kubereboot/kured} names its DaemonSet {@code kubereboot-kured}. The chart passes
 * {@code --ds-namespace} as the release's namespace, and k8s-support installs the release without
 * {@code --namespace}, using kubeadm's admin.conf (a context with no namespace), so the namespace is
 * {@code default}. (It was {@code kube-system} before kured moved to Helm.)
 *
 * <p>The TTL is ours, not kured's {@code lockTtl} (4h at M-Lab, which only applies to the locks kured
 * writes). kured reads the TTL from the lock itself, so a lock of ours expires 30 minutes after it
 * was last renewed: a worker that dies mid-rollout stops kured for at most half an hour. A live
 * rollout renews it every {@link #refreshEvery()}, so a missed renewal or two does not let kured in.
 *
 * @param namespace the DaemonSet's namespace (config: reboot.kured.namespace)
 * @param daemonSet the DaemonSet kured locks (config: reboot.kured.daemonSet)
 * @param annotation the annotation that holds the lock (config: reboot.kured.annotation)
 * @param ttl how long our lock stays valid after each write (config: reboot.kured.ttl)
 */
public record KuredLockSettings(String namespace, String daemonSet, String annotation, Duration ttl) {

  public static final KuredLockSettings DEFAULT = new KuredLockSettings(
      "default", "kubereboot-kured", "weave.works/kured-node-lock", Duration.ofMinutes(30));

  public KuredLockSettings {
    requireText(namespace, "reboot.kured.namespace");
    requireText(daemonSet, "reboot.kured.daemonSet");
    requireText(annotation, "reboot.kured.annotation");
    // kured treats a TTL of 0 as "never expires": a crashed worker would then stop kured for good.
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("reboot.kured.ttl must be positive (kured never expires a lock with TTL 0), not " + ttl);
    }
  }

  /** How often a running rollout should renew its lock: a third of the TTL, so two renewals may fail. */
  public Duration refreshEvery() {
    return ttl.dividedBy(3);
  }

  private static void requireText(String value, String setting) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(setting + " must not be empty");
    }
  }
}
