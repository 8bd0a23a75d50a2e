package org.fleetupgrade.reboot.window;

/** How a node's reboot ended. */
public enum NodeFate {
  /** Rebooted and proven back: a new bootID, Ready, the target kubelet. */
  REBOOTED,
  /** Already at the target kubelet: it runs the new image, nothing to do. */
  ALREADY_AT_TARGET,
  /** Not back by its deadline (or came back at the old version): left cordoned, named. */
  FAILED,
  /** Accepted by an operator without a reboot (skip, with a reason). */
  SKIPPED
}
