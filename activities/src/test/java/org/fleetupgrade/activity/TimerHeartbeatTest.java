package org.fleetupgrade.activity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityWorkerShutdownException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The timer heartbeat against a context that answers as a test says: no Temporal server needed. */
class TimerHeartbeatTest {

  private final List<Object> beats = new CopyOnWriteArrayList<>();

  /** A context whose heartbeat records its details, then throws what {@code answer} gives (null: nothing). */
  private ActivityExecutionContext context(Supplier<RuntimeException> answer) {
    return (ActivityExecutionContext) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ActivityExecutionContext.class}, (proxy, method, args) -> {
          if (!method.getName().equals("heartbeat")) {
            throw new UnsupportedOperationException(method.getName());
          }
          beats.add(args[0]);
          RuntimeException e = answer.get();
          if (e != null) {
            throw e;
          }
          return null;
        });
  }

  @Test
  void silentWorkIsHeartbeatEveryPeriod() {
    String result = TimerHeartbeat.untilStopped(context(() -> null), Duration.ofMillis(50), () -> "draining",
        () -> {
          try {
            TimeUnit.MILLISECONDS.sleep(500); // the silent work itself
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return "drained";
        });

    assertThat(result).isEqualTo("drained");
    assertThat(beats).hasSizeGreaterThanOrEqualTo(4).containsOnly("draining");
  }

  @Test
  void workWhoseAttemptIsOverIsInterruptedAndTheHeartbeatsExceptionThrown() {
    ActivityCanceledException cancelled = new ActivityCanceledException();
    CountDownLatch never = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();

    assertThatThrownBy(() -> TimerHeartbeat.untilStopped(context(() -> beats.size() > 2 ? cancelled : null),
        Duration.ofMillis(50), () -> "draining", () -> {
          try {
            never.await(); // a drain waiting on a budget
            return "drained";
          } catch (InterruptedException e) {
            interrupted.set(true);
            throw new IllegalStateException("interrupted");
          }
        })).isSameAs(cancelled);
    assertThat(interrupted).as("the work was interrupted").isTrue();
    assertThat(Thread.currentThread().isInterrupted()).as("the worker's thread is left as it was").isFalse();
  }

  @Test
  void aWorkerShuttingDownLetsTheWorkFinish() {
    String result = TimerHeartbeat.untilStopped(context(ActivityWorkerShutdownException::new), Duration.ofMillis(50),
        () -> "draining", () -> {
          try {
            TimeUnit.MILLISECONDS.sleep(300);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return "drained";
        });

    assertThat(result).isEqualTo("drained");
    assertThat(beats).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void heartbeatsPassOnTheAttemptsEndButNotAShutdown() {
    ActivityCanceledException cancelled = new ActivityCanceledException();

    Heartbeats.send(context(ActivityWorkerShutdownException::new), "x");
    assertThatThrownBy(() -> Heartbeats.of(context(() -> cancelled)).accept("x")).isSameAs(cancelled);
  }
}
