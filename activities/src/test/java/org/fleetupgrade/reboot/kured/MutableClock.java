package org.fleetupgrade.reboot.kured;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when a test says so: TTLs expire without sleeping. */
final class MutableClock extends Clock {

  private Instant now;

  MutableClock(Instant start) {
    now = start;
  }

  synchronized void set(Instant instant) {
    now = instant;
  }

  synchronized void advance(Duration duration) {
    now = now.plus(duration);
  }

  @Override
  public synchronized Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
