package org.fleetupgrade.reboot.kured;

/**
 * What {@link KuredLock#acquire} found and did. A record with a kind rather than a sealed hierarchy,
 * so it serializes plainly (Jackson) if an activity returns it.
 *
 * @param kind what happened
 * @param other for {@link Kind#HELD} the holder we wait for; for {@link Kind#TAKEN_OVER} the expired
 *     holder we replaced; otherwise null
 */
public record LockOutcome(Kind kind, LockHolder other) {

  public enum Kind {
    /** The lock was free: it is ours now. */
    ACQUIRED,
    /** It was already ours: renewed. */
    ALREADY_OURS,
    /** Someone else holds a live lock (usually kured rebooting a node): nothing was written; wait. */
    HELD,
    /** Someone else's lock had expired: replaced by ours. */
    TAKEN_OVER
  }

  static LockOutcome acquired() {
    return new LockOutcome(Kind.ACQUIRED, null);
  }

  static LockOutcome alreadyOurs() {
    return new LockOutcome(Kind.ALREADY_OURS, null);
  }

  static LockOutcome held(LockHolder by) {
    return new LockOutcome(Kind.HELD, by);
  }

  static LockOutcome takenOver(LockHolder from) {
    return new LockOutcome(Kind.TAKEN_OVER, from);
  }

  /** Whether we hold the lock after this call. */
  public boolean holding() {
    return kind != Kind.HELD;
  }
}
