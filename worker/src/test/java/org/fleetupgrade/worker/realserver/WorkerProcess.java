package org.fleetupgrade.worker.realserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.worker.cli.JarProcess;

/**
 * `fleet-upgrade worker` as its own process: the real jar in its own JVM (the java process itself,
 * no shell between), so {@link #kill} is a SIGKILL of the worker, as a crash or an OOM kill would be.
 */
final class WorkerProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts a worker on {@code config} against {@code address}; returns once it polls. */
  static WorkerProcess start(Path config, String address, Path log) throws IOException, InterruptedException {
    Process process = JarProcess.builder("worker", "--config", config.toString(), "--address", address)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    WorkerProcess worker = new WorkerProcess(process, log);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!worker.output().contains("worker on ")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new AssertionError("the worker did not start: " + worker.output());
      }
      process.waitFor(100, TimeUnit.MILLISECONDS);
    }
    return worker;
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: nothing is flushed, no activity is handed back, no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the worker " + process.pid() + " did not die of SIGKILL");
    }
    if (process.exitValue() != 128 + 9) {
      throw new AssertionError("the worker ended with " + process.exitValue() + ", not by SIGKILL (137)");
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(40, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
