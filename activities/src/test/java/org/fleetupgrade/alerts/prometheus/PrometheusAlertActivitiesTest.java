package org.fleetupgrade.alerts.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.fleetupgrade.alerts.AlertCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert gate's Prometheus client against a real Prometheus (Debian's package) on 127.0.0.1: a
 * rule file whose alerts fire from metrics this test serves and flips; and against endpoints that
 * are not there or answer garbage.
 */
class PrometheusAlertActivitiesTest {

  private static final String RULES = """
      groups:
        - name: gate
          interval: 1s
          rules:
            - alert: ApiServerDown
              expr: test_api_down > 0
              for: 0s
              labels: {severity: critical, team: platform}
            - alert: DiskFilling
              expr: test_disk_filling > 0
              for: 0s
              labels: {severity: warning}
      """;
  private static final Duration WITHIN = Duration.ofSeconds(30);

  private final AtomicInteger apiDown = new AtomicInteger();
  private final AtomicInteger diskFilling = new AtomicInteger();
  private HttpServer metrics;
  private HttpServer junk;

  @AfterEach
  void stop() {
    if (metrics != null) {
      metrics.stop(0);
    }
    if (junk != null) {
      junk.stop(0);
    }
  }

  private String serveMetrics() throws IOException {
    metrics = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    metrics.createContext("/metrics", exchange -> {
      byte[] body = ("# TYPE test_api_down gauge\ntest_api_down " + apiDown.get() + "\n"
          + "# TYPE test_disk_filling gauge\ntest_disk_filling " + diskFilling.get() + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    metrics.start();
    return "127.0.0.1:" + metrics.getAddress().getPort();
  }

  private static AlertSource source(URI uri, boolean proceed) {
    return new AlertSource(AlertSource.Api.PROMETHEUS, uri, List.of(AlertMatcher.parse("severity=~\"critical|page\"")),
        List.of(AlertMatcher.parse("alertname=\"Watchdog\"")), Duration.ofSeconds(2), proceed);
  }

  @Test
  void aMatchingAlertBlocksWhileItFiresAndNotOnceResolvedANonMatchingOneNever(@TempDir Path dir) throws IOException {
    String target = serveMetrics();
    try (RealPrometheus prometheus = RealPrometheus.start(dir, List.of(target), RULES)) {
      PrometheusAlertActivities gate = new PrometheusAlertActivities(Map.of("staging", source(prometheus.uri(), false)));

      // Given a warning that fires: it does not match severity=~"critical|page", so nothing blocks
      diskFilling.set(1);
      prometheus.awaitAlerts(a -> RealPrometheus.firing(a, "DiskFilling"), WITHIN);
      AlertCheck warningOnly = gate.firing("staging");
      assertThat(warningOnly.firing()).isEqualTo(1);
      assertThat(warningOnly.holds()).isFalse();
      assertThat(warningOnly.unavailable()).isNull();

      // When a critical alert fires, then it blocks, named with its labels and since when
      apiDown.set(1);
      prometheus.awaitAlerts(a -> RealPrometheus.firing(a, "ApiServerDown"), WITHIN);
      AlertCheck critical = gate.firing("staging");
      assertThat(critical.holds()).isTrue();
      assertThat(critical.blocking()).isEqualTo(1);
      assertThat(critical.firing()).isEqualTo(2);
      assertThat(critical.alerts()).singleElement().satisfies(a -> {
        assertThat(a.name()).isEqualTo("ApiServerDown");
        assertThat(a.labels()).isEqualTo("instance=\"" + target + "\", job=\"gate\", severity=\"critical\","
            + " team=\"platform\"");
        assertThat(a.activeAt()).matches("\\d{4}-\\d\\d-\\d\\dT.*");
      });
      assertThat(critical.summary()).startsWith("1 blocking alert: ApiServerDown{instance=");

      // Then once it resolves nothing blocks any more
      apiDown.set(0);
      prometheus.awaitAlerts(a -> !RealPrometheus.firing(a, "ApiServerDown"), WITHIN);
      assertThat(gate.firing("staging").holds()).isFalse();
      assertThat(gate.firing("sandbox")).as("a stage without a gate").isEqualTo(AlertCheck.none());
    }
  }

  @Test
  void anUnreachableEndpointHoldsUnlessConfiguredToProceed() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    URI nobody = URI.create("http://127.0.0.1:" + port);
    AlertCheck closed = new PrometheusAlertActivities(Map.of("staging", source(nobody, false))).firing("staging");
    assertThat(closed.holds()).as("fail closed").isTrue();
    assertThat(closed.unavailable()).startsWith(nobody + "/api/v1/alerts could not be read: ConnectException");
    assertThat(closed.summary()).startsWith("alert endpoint unavailable: ");

    AlertCheck open = new PrometheusAlertActivities(Map.of("staging", source(nobody, true))).firing("staging");
    assertThat(open.holds()).isFalse();
    assertThat(open.unavailable()).isNotNull();
  }

  @Test
  void garbageHoldsWithAClearMessage() throws IOException {
    junk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    junk.createContext("/html/api/v1/alerts", exchange -> answer(exchange, 200, "<html><body>Login</body></html>"));
    junk.createContext("/json/api/v1/alerts", exchange -> answer(exchange, 200, "{\"status\":\"error\",\"error\":\"nope\"}"));
    junk.createContext("/down/api/v1/alerts", exchange -> answer(exchange, 503, "upstream down"));
    junk.start();
    String base = "http://127.0.0.1:" + junk.getAddress().getPort();

    AlertCheck html = new PrometheusAlertActivities(Map.of("s", source(URI.create(base + "/html"), false))).firing("s");
    assertThat(html.holds()).isTrue();
    assertThat(html.unavailable()).isEqualTo(base + "/html/api/v1/alerts did not answer JSON (is it Prometheus?):"
        + " '<html><body>Login</body></html>'");

    AlertCheck error = new PrometheusAlertActivities(Map.of("s", source(URI.create(base + "/json/"), false))).firing("s");
    assertThat(error.holds()).isTrue();
    assertThat(error.unavailable()).contains("did not answer Prometheus's alerts API");

    AlertCheck down = new PrometheusAlertActivities(Map.of("s", source(URI.create(base + "/down"), false))).firing("s");
    assertThat(down.holds()).isTrue();
    assertThat(down.unavailable()).endsWith("answered HTTP 503: 'upstream down'");
  }

  /** Answers {@code exchange} with {@code status} and {@code text}: a stand-in for what a misnamed endpoint serves. */
  static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }
}
