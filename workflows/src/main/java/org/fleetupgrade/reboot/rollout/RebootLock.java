package org.fleetupgrade.reboot.rollout;

import java.time.Instant;

/**
 * kured's lock as a rollout sees it. {@code needed} is false when the stage's nodes are rebooted
 * through kured itself (its sentinel) or kured is not configured: nothing to hold. Otherwise either
 * we hold it, or {@code heldBy} (a node kured is rebooting) does, since {@code heldSince}.
 */
public record RebootLock(boolean needed, boolean holding, String heldBy, Instant heldSince, long refreshEverySeconds) {

  public static final RebootLock NOT_NEEDED = new RebootLock(false, false, null, null, 0);

  public boolean mayReboot() {
    return !needed || holding;
  }
}
