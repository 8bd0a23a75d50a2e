package org.fleetupgrade.worker.cli;

import static org.fleetupgrade.worker.Poll.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * `fleet-upgrade dev` as an operator runs it: the real jar in its own JVM, its output (stdout and
 * stderr) in a file, started and waited for until it says it is up, stopped with SIGTERM.
 */
final class DevProcess implements AutoCloseable {

  private final Process process;
  private final Path out;

  private DevProcess(Process process, Path out) {
    this.process = process;
    this.out = out;
  }

  /** A port nothing listens on now, for dev's --port (and the config's temporal.address). */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Starts dev on {@code port} with {@code config}, its output to {@code out}; returns once it is up (60 s at most). */
  static DevProcess start(int port, Path config, Path out) throws IOException, InterruptedException {
    Process process = JarProcess.builder("dev", "--port", String.valueOf(port), "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    DevProcess dev = new DevProcess(process, out);
    try {
      dev.awaitOutput("fleet-upgrade dev:", Duration.ofSeconds(60));
    } catch (AssertionError | InterruptedException e) {
      process.destroyForcibly();
      throw e;
    }
    return dev;
  }

  /** What dev printed so far. */
  String output() throws IOException {
    return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
  }

  /** Waits until dev printed {@code text}; fails at once if dev exited, or after {@code within}. */
  void awaitOutput(String text, Duration within) throws InterruptedException {
    await("'" + text + "' from dev", within, () -> {
      String printed = output();
      if (!printed.contains(text) && !process.isAlive()) {
        throw new AssertionError("dev exited (" + process.exitValue() + "): " + printed);
      }
      return printed;
    }, printed -> printed.contains(text));
  }

  /** Sends SIGTERM and waits for dev to end, at most 30 s; whether it ended. */
  boolean stop() throws InterruptedException {
    process.destroy();
    return process.waitFor(30, TimeUnit.SECONDS);
  }

  int exitValue() {
    return process.exitValue();
  }

  /** Kills dev if a test left it running (after a failure; {@link #stop} is the clean way). */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}
