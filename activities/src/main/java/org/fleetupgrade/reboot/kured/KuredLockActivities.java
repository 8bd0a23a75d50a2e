package org.fleetupgrade.reboot.kured;

import java.util.Map;
import org.fleetupgrade.reboot.rollout.RebootLock;
import org.fleetupgrade.reboot.rollout.RebootLockActivities;

/**
 * kured's lock for the stages whose nodes we reboot ourselves; a stage without a lock (kured's own
 * sentinel, or kured not configured) needs none.
 */
public final class KuredLockActivities implements RebootLockActivities {

  private final Map<String, KuredLock> locks;
  private final Map<String, KuredLockSettings> settings;

  /** {@code locks}: the stages that hold kured's lock during a rollout, with their settings. */
  public KuredLockActivities(Map<String, KuredLock> locks, Map<String, KuredLockSettings> settings) {
    this.locks = Map.copyOf(locks);
    this.settings = Map.copyOf(settings);
  }

  @Override
  public RebootLock acquire(String stage, String holder) {
    KuredLock lock = locks.get(stage);
    if (lock == null) {
      return RebootLock.NOT_NEEDED;
    }
    LockOutcome outcome = lock.acquire(holder);
    long refresh = settings.get(stage).refreshEvery().toSeconds();
    if (outcome.holding()) {
      return new RebootLock(true, true, null, null, refresh);
    }
    LockHolder other = outcome.other();
    return new RebootLock(true, false, other == null ? "?" : other.nodeID(), other == null ? null : other.created(), refresh);
  }

  @Override
  public boolean refresh(String stage, String holder) {
    KuredLock lock = locks.get(stage);
    return lock == null || lock.refresh(holder);
  }

  @Override
  public boolean release(String stage, String holder) {
    KuredLock lock = locks.get(stage);
    if (lock == null) {
      return false;
    }
    return lock.release(holder);
  }
}
