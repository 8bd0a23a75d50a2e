package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real InstancesClient against a local HTTP server answering Compute Engine's REST paths. */
class ComputeControlPlaneFinderTest {

  private static final String PATTERN = "api-platform-cluster-{region}-{zone}";

  private HttpServer server;
  private final Map<String, String> instances = new ConcurrentHashMap<>();
  private ComputeControlPlaneFinder finder;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String body = instances.get(exchange.getRequestURI().getPath());
      int status = body == null ? 404 : 200;
      if (body == null) {
        body = "{\"error\": {\"code\": 404, \"message\": \"The resource was not found\", \"status\": \"NOT_FOUND\"}}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    finder = ComputeControlPlaneFinder.connect("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    finder.close();
    server.stop(0);
  }

  private void instance(String zone, String status, String internalIp, String natIp) {
    String name = "api-platform-cluster-" + zone;
    String access = natIp == null ? "" : ", \"accessConfigs\": [{\"name\": \"external-nat\", \"natIP\": \"" + natIp + "\"}]";
    instances.put("/compute/v1/projects/mlab-oti/zones/" + zone + "/instances/" + name, """
        {"kind": "compute#instance", "name": "%s", "status": "%s",
         "zone": "https://www.googleapis.com/compute/v1/projects/mlab-oti/zones/%s",
         "networkInterfaces": [{"network": "global/networks/default", "networkIP": "%s"%s}]}
        """.formatted(name, status, zone, internalIp, access));
  }

  @Test
  void findsOneRunningMemberPerZoneInZoneOrder() {
    instance("us-east1-b", "RUNNING", "10.142.0.2", "35.237.10.1");
    instance("us-east1-c", "RUNNING", "10.142.0.3", "35.237.10.2");
    instance("us-east1-d", "RUNNING", "10.142.0.4", "35.237.10.3");

    List<ControlPlaneVm> members = finder.find("mlab-oti", "us-east1", List.of("b", "c", "d"), PATTERN);

    assertThat(members).containsExactly(
        new ControlPlaneVm("api-platform-cluster-us-east1-b", "us-east1-b", "10.142.0.2", "35.237.10.1", "RUNNING"),
        new ControlPlaneVm("api-platform-cluster-us-east1-c", "us-east1-c", "10.142.0.3", "35.237.10.2", "RUNNING"),
        new ControlPlaneVm("api-platform-cluster-us-east1-d", "us-east1-d", "10.142.0.4", "35.237.10.3", "RUNNING"));
  }

  @Test
  void aMissingMemberNamesProjectZoneAndInstance() {
    instance("us-east1-b", "RUNNING", "10.142.0.2", "35.237.10.1");

    assertThatThrownBy(() -> finder.find("mlab-oti", "us-east1", List.of("b", "c"), PATTERN))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ComputeControlPlaneFinder.VM_MISSING);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage())
              .isEqualTo("project mlab-oti, zone us-east1-c, instance api-platform-cluster-us-east1-c: not found");
        });
  }

  @Test
  void aMemberThatIsNotRunningStopsPreflightWithItsStatus() {
    instance("us-east1-b", "TERMINATED", "10.142.0.2", "35.237.10.1");

    assertThatThrownBy(() -> finder.find("mlab-oti", "us-east1", List.of("b"), PATTERN))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ComputeControlPlaneFinder.VM_NOT_RUNNING);
          assertThat(e.getOriginalMessage()).isEqualTo(
              "project mlab-oti, zone us-east1-b, instance api-platform-cluster-us-east1-b: status is TERMINATED, not RUNNING");
        });
  }

  @Test
  void aMemberWithoutAnExternalIpIsMisconfigured() {
    instance("us-east1-b", "RUNNING", "10.142.0.2", null);

    assertThatThrownBy(() -> finder.find("mlab-oti", "us-east1", List.of("b"), PATTERN))
        .isInstanceOfSatisfying(ApplicationFailure.class,
            e -> assertThat(e.getType()).isEqualTo(ComputeControlPlaneFinder.VM_MISCONFIGURED))
        .hasMessageContaining("has no external IP (accessConfigs[0].natIP)");
  }
}
