package org.fleetupgrade.simulated;

/**
 * "Fail {@code times} times at {@code step} with {@code error}", optionally only for one stage
 * and one target (a member or node name); null matches any. {@code retryable=false} makes the
 * failure one that activity retries cannot fix, so the stage blocks at once.
 */
public record SimulatedFault(String step, String stage, String target, int times, String error, boolean retryable) {

  /** The step names a fault can name: one per simulated activity. */
  public static final java.util.List<String> STEPS = java.util.List.of(
      "changelog", "inventory", "drain", "upgrade", "verify", "uncordon", "node-tooling", "image-build", "reboot", "health",
      // copying admin.conf to the bucket, after apply (in the upgrade) or for a member found done
      "admin-conf",
      // a node rebooted in a rollout does not come back, or comes back on the old image
      "node-lost", "node-old-image",
      // the worker dies right after a node's reboot was triggered, before Temporal recorded it
      "after-trigger",
      // kured's lock is held by a node (kured rebooting it) when a rollout asks for it
      "kured-lock-held");
}
