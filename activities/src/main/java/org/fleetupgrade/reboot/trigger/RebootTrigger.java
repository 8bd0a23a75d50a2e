package org.fleetupgrade.reboot.trigger;

/**
 * Starts the reboot of one platform node that is already cordoned and drained. It only triggers:
 * whether the node really rebooted is decided by the caller, which waits for the node's bootID to
 * change. A trigger is long-lived (it may hold an SSH client) and is closed with the worker.
 */
public interface RebootTrigger extends AutoCloseable {

  /**
   * Triggers the reboot of {@code node} (its FQDN, e.g. mlab2-lga03.mlab-oti.measurement-lab.org).
   * Throws {@link io.temporal.failure.ApplicationFailure}: non-retryable when trying again cannot help
   * (a refusal), retryable when the node or the service could not be reached.
   */
  TriggerResult trigger(String node);

  /**
   * Triggers the reboot of {@code node}, reachable at {@code address} (its IP address, or its name).
   * The SSH triggers connect to the address and check the node's host key under its name (the name
   * known_hosts and host certificates use); the others need the name only.
   */
  default TriggerResult trigger(String node, String address) {
    return trigger(node);
  }

  /** The configuration name of the method: {@code ssh}, {@code reboot-api} or {@code kured-sentinel}. */
  String method();

  @Override
  default void close() {}
}
