package org.fleetupgrade.alerts.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.fleetupgrade.alerts.AlertCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert gate reading a real Alertmanager (Debian's {@code prometheus-alertmanager}, started by
 * the test on 127.0.0.1, alerts posted to its API as Prometheus would): a matching alert blocks,
 * named with its labels and since when; a silenced one does not, as it pages no one; a non-matching
 * one never; and an answer that is not Alertmanager's holds with a clear message.
 */
class AlertmanagerAlertsTest {

  private static final Duration WITHIN = Duration.ofSeconds(30);
  private HttpServer junk;

  @AfterEach
  void stop() {
    if (junk != null) {
      junk.stop(0);
    }
  }

  private static AlertSource source(URI uri) {
    return new AlertSource(AlertSource.Api.ALERTMANAGER, uri, List.of(AlertMatcher.parse("severity=~\"critical|page\"")),
        List.of(AlertMatcher.parse("alertname=\"Watchdog\"")), Duration.ofSeconds(2), false);
  }

  private static LocalServer alertmanager(Path dir) throws IOException {
    Path binary = LocalServer.requireBinary("ALERTMANAGER", "prometheus-alertmanager", "prometheus-alertmanager");
    Path config = dir.resolve("alertmanager.yml");
    Files.writeString(config, """
        route: {receiver: nobody}
        receivers: [{name: nobody}]
        """);
    // No cluster: a test's Alertmanager gossips with no one (and binds no second port).
    return LocalServer.start("alertmanager", binary, dir, port -> List.of("--config.file=" + config,
        "--storage.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=",
        "--log.level=warn"));
  }

  /** Asks the gate until {@code condition} holds, within {@link #WITHIN}: Alertmanager applies posts and silences asynchronously. */
  private static AlertCheck await(PrometheusAlertActivities gate, Predicate<AlertCheck> condition, LocalServer server)
      throws IOException {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    AlertCheck check = gate.firing("staging");
    while (!condition.test(check) && System.nanoTime() < deadline) {
      server.pause(Duration.ofMillis(100));
      check = gate.firing("staging");
    }
    assertThat(condition).as("the gate's answer within %s: %s; log: %s", WITHIN, check, server.log()).accepts(check);
    return check;
  }

  @Test
  void aMatchingAlertBlocksASilencedOrNonMatchingOneDoesNot(@TempDir Path dir) throws IOException {
    try (LocalServer am = alertmanager(dir)) {
      PrometheusAlertActivities gate = new PrometheusAlertActivities(Map.of("staging", source(am.uri())));
      Instant since = Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

      // Given Watchdog and a warning firing: neither blocks
      assertThat(am.post("/api/v2/alerts", """
          [{"labels": {"alertname": "Watchdog"}},
           {"labels": {"alertname": "DiskFilling", "severity": "warning", "site": "ams01"}}]
          """).statusCode()).isEqualTo(200);
      AlertCheck quiet = await(gate, c -> c.firing() == 2, am);
      assertThat(quiet.holds()).isFalse();
      assertThat(quiet.unavailable()).isNull();

      // When a critical alert fires, then it blocks, with its labels and since when
      assertThat(am.post("/api/v2/alerts", """
          [{"labels": {"alertname": "NodeDown", "severity": "critical", "site": "ams01"}, "startsAt": "%s"}]
          """.formatted(since)).statusCode()).isEqualTo(200);
      AlertCheck critical = await(gate, AlertCheck::holds, am);
      assertThat(critical.blocking()).isEqualTo(1);
      assertThat(critical.alerts()).singleElement().satisfies(a -> {
        assertThat(a.name()).isEqualTo("NodeDown");
        assertThat(a.labels()).isEqualTo("severity=\"critical\", site=\"ams01\"");
        assertThat(Instant.parse(a.activeAt())).isEqualTo(since);
      });

      // When an operator silences it, then it no longer blocks (it pages no one either)
      assertThat(am.post("/api/v2/silences", """
          {"matchers": [{"name": "alertname", "value": "NodeDown", "isRegex": false, "isEqual": true}],
           "startsAt": "%s", "endsAt": "%s", "createdBy": "sre", "comment": "known: ams01 is being rebuilt"}
          """.formatted(Instant.now().minusSeconds(1), Instant.now().plusSeconds(3600))).statusCode()).isEqualTo(200);
      AlertCheck silenced = await(gate, c -> !c.holds(), am);
      assertThat(silenced.firing()).as("Watchdog and the warning").isEqualTo(2);
    }
  }

  @Test
  void anAnswerThatIsNotAlertmanagersHolds() throws IOException {
    junk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    // A Prometheus where an Alertmanager was meant: its alerts API is another path, so a 404
    junk.createContext("/prom/api/v2/alerts", exchange -> PrometheusAlertActivitiesTest.answer(exchange, 404, "404 page not found"));
    junk.createContext("/object/api/v2/alerts", exchange -> PrometheusAlertActivitiesTest.answer(exchange, 200, "{\"status\":\"success\"}"));
    junk.createContext("/bare/api/v2/alerts", exchange -> PrometheusAlertActivitiesTest.answer(exchange, 200, "[{\"fingerprint\": \"x\"}]"));
    junk.start();
    String base = "http://127.0.0.1:" + junk.getAddress().getPort();

    AlertCheck prom = new PrometheusAlertActivities(Map.of("s", source(URI.create(base + "/prom")))).firing("s");
    assertThat(prom.holds()).isTrue();
    assertThat(prom.unavailable()).startsWith(base + "/prom/api/v2/alerts?active=true&silenced=false&inhibited=false")
        .endsWith("answered HTTP 404: '404 page not found'");

    for (String path : List.of("/object", "/bare")) {
      AlertCheck wrong = new PrometheusAlertActivities(Map.of("s", source(URI.create(base + path)))).firing("s");
      assertThat(wrong.holds()).isTrue();
      assertThat(wrong.unavailable()).contains("did not answer Alertmanager's alerts API (an array of alerts with labels)");
    }
  }
}
