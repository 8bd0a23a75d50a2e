package org.fleetupgrade.reboot.node;

import org.fleetupgrade.reboot.trigger.RebootTrigger;

/**
 * How a node is asked to reboot (over SSH, through M-Lab's reboot service, or kured's sentinel).
 * {@code address} is where SSH reaches it (its ExternalIP, else InternalIP, else its name). Returns a
 * line saying what happened; failures are ApplicationFailures (retryable or not).
 */
@FunctionalInterface
public interface RebootMechanism {
  String reboot(String node, String address);

  /**
   * A trigger: the reboot service is asked by the node's name; SSH goes to its address and checks
   * its host key under its name ({@link RebootTrigger#trigger(String, String)}).
   */
  static RebootMechanism of(RebootTrigger trigger) {
    return (node, address) -> trigger.trigger(node, address).detail();
  }
}
