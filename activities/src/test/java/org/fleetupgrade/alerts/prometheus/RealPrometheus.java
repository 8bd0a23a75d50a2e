package org.fleetupgrade.alerts.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus for the alert gate's tests (Debian's {@code prometheus} package), the pattern
 * of the worker's {@code PrometheusServer} with a rule file: its own process on a free port of
 * 127.0.0.1, scraping given targets and evaluating rules every second. Without the binary
 * ({@code PROMETHEUS}, else {@code prometheus} on the PATH) a test is skipped, except under
 * {@code CI=true}, where it fails.
 */
final class RealPrometheus implements AutoCloseable {

  private static final Duration READY_WITHIN = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Path dir;
  private final int port;
  private final Process process;

  private RealPrometheus(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  static Path requireBinary() {
    String configured = System.getenv("PROMETHEUS");
    Optional<Path> found = configured != null && !configured.isBlank() ? Optional.of(Path.of(configured))
        : java.util.Arrays.stream(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator))
            .filter(e -> !e.isEmpty()).map(e -> Path.of(e, "prometheus")).filter(Files::isExecutable).findFirst();
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

  /** Starts Prometheus in {@code dir}, scraping {@code targets} (host:port, /metrics) and evaluating {@code rules}. */
  static RealPrometheus start(Path dir, List<String> targets, String rules) throws IOException {
    Path binary = requireBinary();
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("rules.yml"), rules);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files: ['%s']
        scrape_configs:
          - job_name: gate
            static_configs:
              - targets: [%s]
        """.formatted(dir.resolve("rules.yml"), String.join(", ", targets.stream().map(t -> "'" + t + "'").toList())));
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("prometheus.log").toFile()))
        .start();
    RealPrometheus server = new RealPrometheus(dir, port, process);
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

  /** Waits, with a deadline and no fixed sleep, until Prometheus's alerts (data.alerts) satisfy {@code condition}. */
  JsonNode awaitAlerts(Predicate<JsonNode> condition, Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode alerts = alerts();
    while (!condition.test(alerts) && System.nanoTime() < deadline) {
      waitFor(Duration.ofMillis(200));
      alerts = alerts();
    }
    if (!condition.test(alerts)) {
      throw new AssertionError("alerts were " + alerts + " after " + within + "; targets: "
          + get("/api/v1/targets").body() + "; log: " + log());
    }
    return alerts;
  }

  JsonNode alerts() throws IOException {
    return JSON.readTree(get("/api/v1/alerts").body()).path("data").path("alerts");
  }

  static boolean firing(JsonNode alerts, String name) {
    for (JsonNode a : alerts) {
      if (name.equals(a.path("labels").path("alertname").asText()) && "firing".equals(a.path("state").asText())) {
        return true;
      }
    }
    return false;
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

  private void waitFor(Duration pause) {
    try {
      process.waitFor(pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
