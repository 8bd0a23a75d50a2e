package org.fleetupgrade.worker.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * How `dev` and `worker` stop on SIGTERM or Ctrl-C: the main thread stops the worker (and the
 * engine) cleanly, then the JVM ends with 0, or 1 if that failed or took longer than {@link #LIMIT}.
 *
 * <p>The JVM runs shutdown hooks on a signal and then exits with 128 + the signal (143 for SIGTERM),
 * and System.exit from there would wait for the hooks, itself among them: so the hook waits for
 * the clean stop and then halts the JVM with the code.
 */
final class GracefulStop {

  /** How long `dev`'s stop may take: its worker's in-flight activities get 10 s of it. */
  static final Duration LIMIT = Duration.ofSeconds(40);

  interface Shutdown {
    void run() throws Exception;
  }

  private final Consumer<Thread> addShutdownHook;
  private final IntConsumer halt;
  private final Duration limit;
  private final PrintStream out;
  private final PrintStream err;

  GracefulStop(Consumer<Thread> addShutdownHook, IntConsumer halt, Duration limit, PrintStream out, PrintStream err) {
    this.addShutdownHook = addShutdownHook;
    this.halt = halt;
    this.limit = limit;
    this.out = out;
    this.err = err;
  }

  /** This JVM's: its shutdown hooks, Runtime.halt, stdout and stderr; a stop may take {@link #LIMIT}. */
  static GracefulStop jvm() {
    return jvm(LIMIT);
  }

  /** This JVM's, with a stop that may take {@code limit}. */
  static GracefulStop jvm(Duration limit) {
    Runtime runtime = Runtime.getRuntime();
    return new GracefulStop(runtime::addShutdownHook, runtime::halt, limit, System.out, System.err);
  }

  /** Blocks until SIGINT/SIGTERM, then runs {@code shutdown}; the hook then ends the JVM with its code. */
  void await(Shutdown shutdown) throws InterruptedException {
    CountDownLatch signalled = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicInteger code = new AtomicInteger(Main.FAILED);
    addShutdownHook.accept(new Thread(() -> {
      signalled.countDown();
      boolean inTime;
      try {
        inTime = stopped.await(limit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        inTime = false;
      }
      if (!inTime) {
        err.println("fleet-upgrade: did not stop within "
            + (limit.toMillisPart() == 0 ? limit.toSeconds() + "s" : limit.toMillis() + "ms"));
      }
      out.flush();
      err.flush();
      halt.accept(inTime ? code.get() : Main.FAILED);
    }, "fleet-upgrade-shutdown"));
    signalled.await();
    out.println("stopping...");
    try {
      shutdown.run();
      code.set(Main.OK);
    } catch (Exception e) {
      err.println("fleet-upgrade: unclean shutdown: " + e.getMessage());
    } finally {
      out.println("stopped");
      stopped.countDown();
    }
  }
}
