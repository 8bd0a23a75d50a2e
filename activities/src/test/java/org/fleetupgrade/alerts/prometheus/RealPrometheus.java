package org.fleetupgrade.alerts.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real Prometheus for the alert gate's tests (Debian's {@code prometheus} package) with a rule
 * file: a {@link LocalServer} scraping given targets and evaluating rules every second. Without the
 * binary ({@code PROMETHEUS}, else {@code prometheus} on the PATH) a test is skipped, except under
 * {@code CI=true}, where it fails.
 */
final class RealPrometheus implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalServer server;

  private RealPrometheus(LocalServer server) {
    this.server = server;
  }

  /** Starts Prometheus in {@code dir}, scraping {@code targets} (host:port, /metrics) and evaluating {@code rules}. */
  static RealPrometheus start(Path dir, List<String> targets, String rules) throws IOException {
    Path binary = LocalServer.requireBinary("PROMETHEUS", "prometheus", "prometheus");
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
    return new RealPrometheus(LocalServer.start("prometheus", binary, dir, port -> List.of("--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")));
  }

  URI uri() {
    return server.uri();
  }

  /** Waits, with a deadline and no fixed sleep, until Prometheus's alerts (data.alerts) satisfy {@code condition}. */
  JsonNode awaitAlerts(Predicate<JsonNode> condition, Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode alerts = alerts();
    while (!condition.test(alerts) && System.nanoTime() < deadline) {
      server.pause(Duration.ofMillis(200));
      alerts = alerts();
    }
    if (!condition.test(alerts)) {
      throw new AssertionError("alerts were " + alerts + " after " + within + "; targets: "
          + server.get("/api/v1/targets").body() + "; log: " + server.log());
    }
    return alerts;
  }

  JsonNode alerts() throws IOException {
    return JSON.readTree(server.get("/api/v1/alerts").body()).path("data").path("alerts");
  }

  static boolean firing(JsonNode alerts, String name) {
    for (JsonNode a : alerts) {
      if (name.equals(a.path("labels").path("alertname").asText()) && "firing".equals(a.path("state").asText())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    server.close();
  }
}
