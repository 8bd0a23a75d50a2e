package org.fleetupgrade.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.fleetupgrade.worker.metrics.MetricsServer;
import org.junit.jupiter.api.Test;

/** k8s/worker.yaml exposes the port the worker serves /metrics on, and says so to Prometheus. */
class MetricsManifestTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  @Test
  void theWorkerPodExposesTheMetricsPortWithScrapeAnnotations() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = yaml.getFactory().createParser(Files.readString(REPO.resolve("k8s/worker.yaml")))) {
      yaml.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
    }
    JsonNode pod = docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow()
        .path("spec").path("template");
    String port = String.valueOf(MetricsServer.DEFAULT_PORT);

    JsonNode annotations = pod.path("metadata").path("annotations");
    assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
    assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo(port);
    assertThat(annotations.path("prometheus.io/path").asText()).isEqualTo(MetricsServer.PATH);

    JsonNode worker = StreamSupport.stream(pod.path("spec").path("containers").spliterator(), false)
        .filter(c -> c.path("args").toString().contains("\"worker\"")).findFirst().orElseThrow();
    assertThat(StreamSupport.stream(worker.path("ports").spliterator(), false)
        .filter(p -> p.path("containerPort").asText().equals(port)).map(p -> p.path("name").asText()))
        .containsExactly("metrics");
    assertThat(worker.path("args").toString()).as("the default port, or the same one given")
        .satisfiesAnyOf(a -> assertThat(a).doesNotContain("--metrics-port"), a -> assertThat(a).contains(port));
  }
}
