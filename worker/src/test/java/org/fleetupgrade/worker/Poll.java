package org.fleetupgrade.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * How the worker's tests wait for something: they look again, every {@link #INTERVAL}, until it
 * shows or a deadline passes, and never sleep for a guessed time.
 */
public final class Poll {

  /** The pause between two looks: short, the deadline is what bounds a wait. */
  private static final Duration INTERVAL = Duration.ofMillis(50);

  private Poll() {}

  /** Polls {@code probe} until it returns non-null, ignoring failures meanwhile (a server restarting). */
  public static <T> T await(String what, Duration within, Callable<T> probe) throws InterruptedException {
    return await(what, within, probe, Objects::nonNull);
  }

  /**
   * Polls {@code probe} until what it returns satisfies {@code done}, and returns that; failures
   * meanwhile are looked past (the last one is reported). Fails, naming the last value seen, if
   * nothing did within {@code within}.
   */
  public static <T> T await(String what, Duration within, Callable<T> probe, Predicate<? super T> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    Exception lastError = null;
    T last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = probe.call();
        if (done.test(last)) {
          return last;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        lastError = e;
      }
      Thread.sleep(INTERVAL.toMillis());
    }
    throw new AssertionError("not within " + within + ": " + what + (last == null ? "" : "; last: " + last)
        + (lastError == null ? "" : " (last error: " + lastError + ")"));
  }
}
