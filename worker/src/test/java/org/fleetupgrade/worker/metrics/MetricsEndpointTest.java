package org.fleetupgrade.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.fleetupgrade.worker.cli.BadInputException;
import org.junit.jupiter.api.Test;

/** `--metrics-port`: /metrics in Prometheus' text format over HTTP, and what it refuses. */
class MetricsEndpointTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void servesMetricsInPrometheusTextFormatOnThePort() throws Exception {
    // Given the endpoint on a free port
    int port = freePort();
    try (MetricsEndpoint endpoint = MetricsEndpoint.serve(port, "--metrics-port")) {
      assertThat(endpoint.on()).isTrue();
      assertThat(endpoint.port()).isEqualTo(port);
      assertThat(endpoint.scope()).as("the scope for the service stubs").isNotNull();

      // When Prometheus scrapes it
      HttpResponse<String> scraped = get(port, "/metrics", "GET");

      // Then it gets the text format, with the JVM's metrics and the gauges' own
      assertThat(scraped.statusCode()).isEqualTo(200);
      assertThat(scraped.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
      assertThat(scraped.body()).contains("# TYPE jvm_memory_used_bytes gauge", "process_uptime_seconds");

      // And anything else is refused plainly
      assertThat(get(port, "/", "GET").statusCode()).isEqualTo(404);
      assertThat(get(port, "/metrics/x", "GET").statusCode()).isEqualTo(404);
      assertThat(get(port, "/metrics", "POST").statusCode()).isEqualTo(405);
      assertThat(get(port, "/metrics", "HEAD").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void portZeroServesNothing() {
    try (MetricsEndpoint endpoint = MetricsEndpoint.serve(0, "--metrics-port")) {
      assertThat(endpoint.on()).isFalse();
      assertThat(endpoint.scope()).as("no scope: the SDK's no-op default").isNull();
    }
  }

  @Test
  void aPortInUseOrOutOfRangeIsBadInputNamingTheOption() throws IOException {
    try (ServerSocket taken = new ServerSocket(0)) {
      assertThatThrownBy(() -> MetricsEndpoint.serve(taken.getLocalPort(), "--metrics-port"))
          .isInstanceOf(BadInputException.class)
          .hasMessageStartingWith("--metrics-port: cannot serve metrics on port " + taken.getLocalPort())
          .hasMessageEndingWith("choose another port, or 0 for none");
    }
    assertThatThrownBy(() -> MetricsEndpoint.serve(65536, "--metrics-port"))
        .isInstanceOf(BadInputException.class)
        .hasMessage("--metrics-port must be a port from 1 to 65535, or 0 for none (got 65536)");
    assertThatThrownBy(() -> MetricsEndpoint.serve(-1, "--metrics-port")).isInstanceOf(BadInputException.class);
  }

  private static HttpResponse<String> get(int port, String path, String method) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
