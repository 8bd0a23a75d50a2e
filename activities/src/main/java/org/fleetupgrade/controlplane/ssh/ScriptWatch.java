package org.fleetupgrade.controlplane.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * What the thread waiting for a script does meanwhile: {@code tick} every {@code period}, whether
 * the script prints or not. An activity heartbeats there, so that a script that is silent for
 * minutes (a download, a wait for the apiserver) still heartbeats. A tick that throws (the activity
 * was cancelled, or its attempt is over) stops the script on its host, and the executor then throws
 * what the tick threw.
 */
public record ScriptWatch(Duration period, Runnable tick) {

  public ScriptWatch {
    Objects.requireNonNull(tick, "tick");
    if (period == null || period.toMillis() < 1) {
      throw new IllegalArgumentException("watch period " + period + " is not a positive number of milliseconds");
    }
  }
}
