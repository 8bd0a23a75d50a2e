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
 * A stage's firing alerts from Prometheus's HTTP API ({@code GET /api/v1/alerts}), filtered by the
 * stage's matchers. An endpoint that cannot be reached, answers with an error, or answers something
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

  AlertCheck check(AlertSource source) {
    URI uri = source.prometheus().resolve(withSlash(source.prometheus()) + "api/v1/alerts");
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
      return unavailable(source, uri + " did not answer JSON (is it Prometheus?): " + excerpt(body));
    }
    if (root == null || !root.isObject() || !"success".equals(root.path("status").asText())
        || !root.path("data").path("alerts").isArray()) {
      return unavailable(source, uri + " did not answer Prometheus's alerts API (status \"success\", data.alerts): "
          + excerpt(body));
    }
    int firing = 0;
    int blocking = 0;
    List<FiringAlert> listed = new ArrayList<>();
    for (JsonNode alert : root.path("data").path("alerts")) {
      if (!"firing".equals(alert.path("state").asText())) {
        continue;
      }
      firing++;
      Map<String, String> labels = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = alert.path("labels").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        labels.put(e.getKey(), e.getValue().asText());
      }
      if (!source.blocks(labels)) {
        continue;
      }
      blocking++;
      if (listed.size() < AlertCheck.MAX_LISTED) {
        String activeAt = alert.hasNonNull("activeAt") ? alert.get("activeAt").asText() : null;
        listed.add(new FiringAlert(labels.getOrDefault("alertname", "?"), shortLabels(labels), activeAt));
      }
    }
    return new AlertCheck(firing, blocking, listed, null, source.proceedWhenUnavailable());
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
