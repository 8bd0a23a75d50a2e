package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * `dev` and `worker` on SIGTERM or Ctrl-C, in process: the JVM's part (running the shutdown hook,
 * halting) is played by the test, so the stop logic runs exactly as on a signal.
 */
class GracefulStopTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final AtomicReference<Thread> hook = new AtomicReference<>();
  private final CountDownLatch hooked = new CountDownLatch(1);
  private final CompletableFuture<Integer> halted = new CompletableFuture<>();

  private GracefulStop stop(Duration limit) {
    return new GracefulStop(thread -> {
      hook.set(thread);
      hooked.countDown();
    }, halted::complete, limit, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /** Runs await on a thread of its own, as the command's main thread, then "sends the signal". */
  private int signalWhileAwaiting(GracefulStop stop, GracefulStop.Shutdown shutdown) throws Exception {
    Thread main = new Thread(() -> {
      try {
        stop.await(shutdown);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "command-main");
    main.setDaemon(true);
    main.start();
    assertThat(hooked.await(10, TimeUnit.SECONDS)).as("a shutdown hook is registered").isTrue();
    hook.get().start(); // what the JVM does on SIGTERM or SIGINT
    int code = halted.get(30, TimeUnit.SECONDS);
    hook.get().join(10_000);
    return code;
  }

  @Test
  void aCleanStopEndsWithExitCode0() throws Exception {
    // Given a command waiting for its signal, whose stop succeeds
    CountDownLatch stoppedWorker = new CountDownLatch(1);

    // When the signal comes
    int code = signalWhileAwaiting(stop(Duration.ofSeconds(10)), stoppedWorker::countDown);

    // Then the worker was stopped first, and the JVM halts with 0 (not 143)
    assertThat(stoppedWorker.getCount()).isZero();
    assertThat(code).isEqualTo(Main.OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("stopping...\nstopped\n");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aStopThatFailsEndsWithExitCode1AndSaysWhy() throws Exception {
    // When the stop throws
    int code = signalWhileAwaiting(stop(Duration.ofSeconds(10)), () -> {
      throw new IllegalStateException("engine would not close");
    });

    // Then exit 1, with the reason
    assertThat(code).isEqualTo(Main.FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("fleet-upgrade: unclean shutdown: engine would not close\n");
  }

  @Test
  void aStopThatHangsIsCutOffWithExitCode1() throws Exception {
    // Given a stop that never ends, and a short limit
    CountDownLatch never = new CountDownLatch(1);

    // When the signal comes
    int code = signalWhileAwaiting(stop(Duration.ofMillis(200)), never::await);

    // Then the hook does not wait forever: exit 1, saying so
    never.countDown();
    assertThat(code).isEqualTo(Main.FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("fleet-upgrade: did not stop within 200ms\n");
  }
}
