package org.fleetupgrade.reboot.kured;

import java.time.Duration;
import java.time.Instant;

/**
 * One holder as kured stores it (LockAnnotationValue in kured's pkg/daemonsetlock): nodeID,
 * metadata.unschedulable (whether kured found the node cordoned already, so it leaves it cordoned
 * after the reboot; always false for ours), created, TTL.
 */
record LockEntry(String nodeID, boolean unschedulable, Instant created, Duration ttl) {

  /** kured's ttlExpired: a TTL of zero or less never expires, otherwise expired once now >= created + TTL. */
  boolean expiredAt(Instant now) {
    return ttl.compareTo(Duration.ZERO) > 0 && !now.isBefore(created.plus(ttl));
  }

  LockHolder holder(Instant now) {
    return new LockHolder(nodeID, created, ttl, expiredAt(now));
  }
}
