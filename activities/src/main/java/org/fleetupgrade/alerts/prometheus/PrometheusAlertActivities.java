package org.fleetupgrade.alerts.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fleetupgrade.alerts.AlertActivities;
import org.fleetupgrade.alerts.AlertCheck;
import org.fleetupgrade.alerts.FiringAlert;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage's firing alerts from Prometheus's HTTP API ({@code GET /api/v1/alerts}) or Alertmanager's
 * ({@code GET /api/v2/alerts}, silenced and inhibited ones left out), filtered by the stage's
 * matchers. An endpoint that cannot be reached, answers with an error, or answers something
 * that is not that API is reported as {@link AlertCheck#unavailable()} with the reason, never as
 * "nothing fires". A stage without a source has no gate: nothing blocks.
 */
public final class PrometheusAlertActivities implements AlertActivities {

  private static final Logger log = LoggerFactory.getLogger(PrometheusAlertActivities.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The longest labels text kept per alert (history stays small). */
  static final int MAX_LABELS_CHARS = 200;

  private final Map<String, AlertSource> byStage;
  private final HttpClient http;

  public PrometheusAlertActivities(Map<String, AlertSource> byStage) {
    this.byStage = Map.copyOf(byStage);
    this.http = HttpClient.newBuilder().connectTimeout(byStage.values().stream().map(AlertSource::timeout)
        .max(java.time.Duration::compareTo).orElse(AlertSource.DEFAULT_TIMEOUT)).build();
  }

  @Override
  public AlertCheck firing(String stage) {
    AlertSource source = byStage.get(stage);
    if (source == null) {
      return AlertCheck.none();
    }
    return check(source);
  }

  /** One alert as either API gives it: its labels and since when it fires (null: not said). */
  private record Alert(Map<String, String> labels, String since) {}

  AlertCheck check(AlertSource source) {
    URI uri = source.endpoint().resolve(withSlash(source.endpoint()) + source.api().path);
    String body;
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(source.timeout())
          .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
      body = response.body();
      if (response.statusCode() != 200) {
        return unavailable(source, uri + " answered HTTP " + response.statusCode() + ": " + excerpt(body));
      }
    } catch (IOException e) {
      return unavailable(source, uri + " could not be read: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + uri, e);
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return unavailable(source, uri + " did not answer JSON (is it " + name(source.api()) + "?): " + excerpt(body));
    }
    List<Alert> firing = source.api() == AlertSource.Api.PROMETHEUS ? fromPrometheus(root) : fromAlertmanager(root);
    if (firing == null) {
      return unavailable(source, uri + " did not answer " + name(source.api()) + "'s alerts API ("
          + (source.api() == AlertSource.Api.PROMETHEUS ? "status \"success\", data.alerts"
              : "an array of alerts with labels") + "): " + excerpt(body));
    }
    int blocking = 0;
    List<FiringAlert> listed = new ArrayList<>();
    for (Alert alert : firing) {
      if (!source.blocks(alert.labels())) {
        continue;
      }
      blocking++;
      if (listed.size() < AlertCheck.MAX_LISTED) {
        listed.add(new FiringAlert(alert.labels().getOrDefault("alertname", "?"), shortLabels(alert.labels()),
            alert.since()));
      }
    }
    return new AlertCheck(firing.size(), blocking, listed, null, source.proceedWhenUnavailable());
  }

  private static String name(AlertSource.Api api) {
    return api == AlertSource.Api.PROMETHEUS ? "Prometheus" : "Alertmanager";
  }

  /** Prometheus: {@code {"status": "success", "data": {"alerts": [...]}}}, the firing ones (not pending); null if not that. */
  private static List<Alert> fromPrometheus(JsonNode root) {
    if (root == null || !root.isObject() || !"success".equals(root.path("status").asText())
        || !root.path("data").path("alerts").isArray()) {
      return null;
    }
    List<Alert> firing = new ArrayList<>();
    for (JsonNode alert : root.path("data").path("alerts")) {
      if ("firing".equals(alert.path("state").asText())) {
        firing.add(new Alert(labels(alert), alert.hasNonNull("activeAt") ? alert.get("activeAt").asText() : null));
      }
    }
    return firing;
  }

  /**
   * Alertmanager: an array of alerts, each with labels and a status, already only the active,
   * unsilenced, uninhibited ones (the query asks for those; a status saying otherwise is skipped
   * all the same); null if not that.
   */
  private static List<Alert> fromAlertmanager(JsonNode root) {
    if (root == null || !root.isArray()) {
      return null;
    }
    List<Alert> firing = new ArrayList<>();
    for (JsonNode alert : root) {
      if (!alert.path("labels").isObject()) {
        return null;
      }
      String state = alert.path("status").path("state").asText("active");
      if (state.equals("active") || state.equals("unprocessed")) {
        firing.add(new Alert(labels(alert), alert.hasNonNull("startsAt") ? alert.get("startsAt").asText() : null));
      }
    }
    return firing;
  }

  private static Map<String, String> labels(JsonNode alert) {
    Map<String, String> labels = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = alert.path("labels").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      labels.put(e.getKey(), e.getValue().asText());
    }
    return labels;
  }

  private static AlertCheck unavailable(AlertSource source, String reason) {
    log.warn("alert gate: {}", reason);
    return AlertCheck.unavailable(reason, source.proceedWhenUnavailable());
  }

  static String shortLabels(Map<String, String> labels) {
    StringBuilder out = new StringBuilder();
    labels.forEach((k, v) -> {
      if (!k.equals("alertname")) {
        out.append(out.length() == 0 ? "" : ", ").append(k).append("=\"").append(v).append('"');
      }
    });
    return out.length() > MAX_LABELS_CHARS ? out.substring(0, MAX_LABELS_CHARS - 3) + "..." : out.toString();
  }

  private static String withSlash(URI base) {
    String path = base.getPath() == null ? "" : base.getPath();
    return path.endsWith("/") ? path : path + "/";
  }

  private static String excerpt(String body) {
    if (body == null || body.isEmpty()) {
      return "(empty)";
    }
    String one = body.strip().replaceAll("\\s+", " ");
    return "'" + (one.length() > 120 ? one.substring(0, 117) + "..." : one) + "'";
  }
}
