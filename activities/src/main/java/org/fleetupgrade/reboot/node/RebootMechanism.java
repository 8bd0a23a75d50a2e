package org.fleetupgrade.reboot.node;

/**
 * How a node is asked to reboot (over SSH, through M-Lab's reboot service, or kured's sentinel).
 * Returns a line saying what happened; failures are ApplicationFailures (retryable or not).
 */
@FunctionalInterface
public interface RebootMechanism {
  String reboot(String node);
}
