package org.fleetupgrade.reboot.rollout;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * kured's lock, held for a whole rollout so that kured reboots no node on its own meanwhile (we
 * cordon, drain and reboot ourselves). {@code holder} names the rollout; a lock held by a node is
 * waited for, an expired one taken over.
 */
@ActivityInterface(namePrefix = "RebootLock")
public interface RebootLockActivities {

  @ActivityMethod
  RebootLock acquire(String stage, String holder);

  /** False when we no longer hold it (someone took it after it expired). */
  @ActivityMethod
  boolean refresh(String stage, String holder);

  /** Only ever removes our own lock. */
  @ActivityMethod
  boolean release(String stage, String holder);
}
