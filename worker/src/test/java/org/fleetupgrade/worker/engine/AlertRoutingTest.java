package org.fleetupgrade.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.fleetupgrade.alerts.AlertActivities;
import org.fleetupgrade.alerts.AlertCheck;
import org.fleetupgrade.alerts.FiringAlert;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.worker.config.ConfigLoader;
import org.fleetupgrade.worker.config.FleetConfig;
import org.junit.jupiter.api.Test;

/** Each stage's alerts go where its config says: its Prometheus, else the simulated fleet's, else none. */
class AlertRoutingTest {

  @Test
  void aStageWithAnAlertsSectionReadsItsPrometheusAndASimulatedOneWithoutReadsTheSimulatedFleet(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path file = dir.resolve("fleet.yaml");
    java.nio.file.Files.writeString(file, """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
          - {name: staging, project: mlab-staging, region: us-central1, zones: [a], simulated: {currentVersion: v1.30.5},
             alerts: {prometheus: "http://127.0.0.1:%d", timeout: 2s}}
        simulation: {timing: {}}
        """.formatted(port));
    FleetConfig config = ConfigLoader.load(file);
    SimulatedFleet fleet = FleetActivities.simulatedFleet(config, fault -> { });
    List<Object> activities = FleetActivities.forFleet(config, fleet);
    AlertActivities alerts = activities.stream().filter(AlertActivities.class::isInstance)
        .map(AlertActivities.class::cast).findFirst().orElseThrow();

    fleet.alerts().fire("sandbox", new FiringAlert("Simulated", "", null));
    assertThat(alerts.firing("sandbox").blocking()).isEqualTo(1);
    AlertCheck staging = alerts.firing("staging");
    assertThat(staging.unavailable()).startsWith("http://127.0.0.1:" + port + "/api/v1/alerts could not be read");
    assertThat(staging.holds()).isTrue();
  }
}
