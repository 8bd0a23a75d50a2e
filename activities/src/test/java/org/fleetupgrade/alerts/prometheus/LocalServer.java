package org.fleetupgrade.alerts.prometheus;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A server from a Debian package (Prometheus, Alertmanager) run by a test as its own process on a
 * free port of 127.0.0.1, with its files in the test's directory: started, awaited ready
 * ({@code /-/ready}), read over HTTP, stopped. Without the binary a test is skipped, except under
 * {@code CI=true} (what .ci/run sets, after installing the package), where it fails.
 */
final class LocalServer implements AutoCloseable {

  private static final Duration READY_WITHIN = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String name;
  private final Path log;
  private final int port;
  private final Process process;

  private LocalServer(String name, Path log, int port, Process process) {
    this.name = name;
    this.log = log;
    this.port = port;
    this.process = process;
  }

  /** The binary {@code command} (the environment variable {@code env}, else on the PATH) from Debian's {@code pkg}. */
  static Path requireBinary(String env, String command, String pkg) {
    String configured = System.getenv(env);
    Optional<Path> found = configured != null && !configured.isBlank() ? Optional.of(Path.of(configured))
        : java.util.Arrays.stream(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator))
            .filter(e -> !e.isEmpty()).map(e -> Path.of(e, command)).filter(Files::isExecutable).findFirst();
    String why = "no " + command + " (" + env + ", or `" + command + "` on the PATH): this test needs a real one;"
        + " install Debian's package with `apt-get install --no-install-recommends " + pkg + "` (what .ci/run does)";
    if (found.isEmpty() || !Files.isExecutable(found.get())) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    return found.get();
  }

  /** Starts {@code binary} with {@code arguments(port)} on a free port, its output in {@code dir/NAME.log}; returns once ready. */
  static LocalServer start(String name, Path binary, Path dir, IntFunction<List<String>> arguments) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(arguments.apply(port));
    Path log = dir.resolve(name + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    LocalServer server = new LocalServer(name, log, port, process);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited (" + process.exitValue() + "): " + log());
      }
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        last = notYet;
      }
      pause(Duration.ofMillis(200));
    }
    throw new IllegalStateException(name + " was not ready within " + READY_WITHIN + " (" + last + "): " + log());
  }

  HttpResponse<String> get(String path) throws IOException {
    return send(HttpRequest.newBuilder(uri().resolve(path)).timeout(Duration.ofSeconds(10)).build());
  }

  HttpResponse<String> post(String path, String json) throws IOException {
    return send(HttpRequest.newBuilder(uri().resolve(path)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  private static HttpResponse<String> send(HttpRequest request) throws IOException {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** A poll interval between two looks (the caller holds the deadline); returns early if the server dies. */
  void pause(Duration between) {
    try {
      process.waitFor(between.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "(no log)";
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
