package org.fleetupgrade.worker.realserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus for tests (Debian's {@code prometheus} package): its own process on a free
 * port of 127.0.0.1, with its TSDB and log in a folder, scraping given targets every second, asked
 * through its HTTP API. The package's system service, if one runs, is not used.
 *
 * <p>The binary is {@code PROMETHEUS}, else {@code prometheus} on the PATH (`.ci/run` installs the
 * package). Without it a test is skipped with a message, except under CI ({@code CI=true}), where it
 * fails: a test that needs Prometheus must not pass by being skipped.
 */
public final class PrometheusServer implements AutoCloseable {

  private static final Duration READY_WITHIN = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Path dir;
  private final int port;
  private final Process process;

  private PrometheusServer(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  public static Optional<Path> binary() {
    String configured = System.getenv("PROMETHEUS");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured));
    }
    String path = System.getenv("PATH");
    for (String entry : (path == null ? "" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(entry, "prometheus");
      if (!entry.isEmpty() && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The binary, or the test is skipped (failed under CI) saying how to get one. */
  public static Path requireBinary() {
    Optional<Path> found = binary();
    String why = "no Prometheus (PROMETHEUS, or `prometheus` on the PATH): this test needs a real Prometheus;"
        + " install Debian's package with `apt-get install --no-install-recommends prometheus` (what .ci/run does)";
    if (found.isEmpty() || !Files.isExecutable(found.get())) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    return found.get();
  }

  /** Starts Prometheus in {@code dir}, scraping {@code targets} (host:port, path /metrics) every second. */
  public static PrometheusServer start(Path dir, List<String> targets) throws IOException {
    Path binary = requireBinary();
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: fleet-upgrade-worker
            static_configs:
              - targets: [%s]
        """.formatted(String.join(", ", targets.stream().map(t -> "'" + t + "'").toList())));
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("prometheus.log").toFile()))
        .start();
    PrometheusServer server = new PrometheusServer(dir, port, process);
    try {
      server.awaitReady();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("prometheus exited (" + process.exitValue() + "): " + log());
      }
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        last = notYet;
      }
      waitFor(Duration.ofMillis(200));
    }
    throw new IllegalStateException("prometheus was not ready within " + READY_WITHIN + " (" + last + "): " + log());
  }

  /** The instant vector of a PromQL query now: each sample's labels and value. */
  public JsonNode query(String promql) throws IOException {
    HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode body = JSON.readTree(response.body());
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new IllegalStateException("query " + promql + ": " + response.statusCode() + " " + response.body());
    }
    return body.path("data").path("result");
  }

  /** The one sample's value of {@code promql}, if it has exactly one now. */
  public Optional<Double> value(String promql) throws IOException {
    JsonNode result = query(promql);
    if (result.size() != 1) {
      return Optional.empty();
    }
    return Optional.of(Double.parseDouble(result.get(0).path("value").get(1).asText()));
  }

  /** Waits, with a deadline and no fixed sleep, until {@code promql} has one sample equal to {@code expected}. */
  public double awaitValue(String promql, double expected, Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    Optional<Double> seen = value(promql);
    while (!seen.equals(Optional.of(expected)) && System.nanoTime() < deadline) {
      waitFor(Duration.ofMillis(250));
      seen = value(promql);
    }
    if (!seen.equals(Optional.of(expected))) {
      throw new AssertionError(promql + " was " + query(promql) + " after " + within + ", not " + expected
          + "; targets: " + get("/api/v1/targets").body());
    }
    return seen.get();
  }

  /** Waits until {@code promql} returns at least one sample; returns them. */
  public JsonNode awaitAny(String promql, Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode result = query(promql);
    while (result.isEmpty() && System.nanoTime() < deadline) {
      waitFor(Duration.ofMillis(250));
      result = query(promql);
    }
    if (result.isEmpty()) {
      throw new AssertionError(promql + " returned nothing within " + within + "; targets: "
          + get("/api/v1/targets").body());
    }
    return result;
  }

  private HttpResponse<String> get(String path) throws IOException {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Waits on the process (it may end meanwhile), not a bare sleep. */
  private void waitFor(Duration pause) {
    try {
      process.waitFor(pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String version() throws IOException {
    return new String(new ProcessBuilder(requireBinary().toString(), "--version").redirectErrorStream(true).start()
        .getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
  }

  private String log() throws IOException {
    Path log = dir.resolve("prometheus.log");
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
