package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;

import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.engine.TemporalConnection;
import org.fleetupgrade.worker.engine.UpgradeOptions;
import org.fleetupgrade.worker.metrics.MetricsServer;
import org.fleetupgrade.worker.metrics.UpgradeGauges;
import org.fleetupgrade.worker.metrics.WorkerMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes a worker's /metrics while an upgrade runs on a real Temporal server
 * (the CLI's dev server): a PromQL query for the production stage's nodes at target returns what
 * {@code status} shows, and the Temporal SDK's own metrics are there beside the upgrade's.
 */
class PrometheusScrapeTest {

  private static final String TASK_QUEUE = "fleet-upgrade-prometheus-test";
  private static final String VERSION = "v1.31.2";

  @TempDir
  Path dir;

  private TemporalCliServer temporalServer;
  private WorkerMetrics metrics;
  private MetricsServer metricsServer;
  private TemporalConnection temporal;
  private WorkerFactory workers;
  private UpgradeGauges gauges;
  private PrometheusServer prometheus;

  @BeforeEach
  void start() throws Exception {
    PrometheusServer.requireBinary();
    temporalServer = TemporalCliServer.start(java.nio.file.Files.createDirectories(dir.resolve("temporal")));
    // The worker as `worker --metrics-port` runs it, in process, on 127.0.0.1 only
    metrics = new WorkerMetrics();
    metricsServer = MetricsServer.start(metrics, new InetSocketAddress("127.0.0.1", 0), "--metrics-port");
    temporal = TemporalConnection.open(temporalServer.address(), "default", TemporalConnection.Tls.NONE, metrics.scope());
    // Production's first node (the canary) comes back on the old image: the stage blocks part-way.
    SimulatedFleet fleet = new SimulatedFleet(List.of(stage("sandbox"), stage("production")), SimulatedTiming.INSTANT,
        List.of(new SimulatedFault("node-old-image", "production", null, 1, "booted the old image", false)));
    fleet.rebootTimes(Duration.ZERO, 0, 1);
    workers = WorkerFactory.newInstance(temporal.client());
    FleetWorker.register(workers, TASK_QUEUE, fleet.activities());
    workers.start();
    gauges = new UpgradeGauges(temporal.client(), metrics.registry(), Duration.ofSeconds(1)).start();
    prometheus = PrometheusServer.start(dir.resolve("prometheus"), List.of("127.0.0.1:" + metricsServer.port()));
  }

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (gauges != null) {
      gauges.close();
    }
    if (workers != null) {
      workers.shutdownNow();
    }
    if (temporal != null) {
      temporal.close();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (temporalServer != null) {
      temporalServer.close();
    }
  }

  @Test
  void promqlForProductionsNodesAtTargetReturnsWhatStatusShows() throws Exception {
    // Given an upgrade of sandbox then production, whose production blocks in its rolling reboot
    WorkflowClient client = temporal.client();
    UpgradeRequest request = new UpgradeRequest(TargetVersions.parse(VERSION, "v1.6.2", "v1.31.1"),
        List.of(plan("sandbox"), plan("production")));
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, UpgradeOptions.of(request, TASK_QUEUE));
    WorkflowClient.start(upgrade::run, request);
    FleetStatus status = awaitBlocked(upgrade);
    assertThat(status.currentStage()).isEqualTo("production");
    int atTarget = status.stage("production").nodes().atTarget();
    assertThat(atTarget).as("part of production, not a trivial 0").isPositive();

    // When Prometheus scrapes the worker, then PromQL answers what status shows
    double scraped = prometheus.awaitValue("max by (stage) (fleet_upgrade_stage_nodes_at_target{upgrade=\"" + VERSION
        + "\", stage=\"production\"})", atTarget, Duration.ofSeconds(60));
    assertThat(scraped).isEqualTo(atTarget);
    assertThat(upgrade.status().stage("production").nodes().atTarget()).as("still what status shows").isEqualTo(atTarget);
    prometheus.awaitValue("max by (stage) (fleet_upgrade_stage_nodes{upgrade=\"" + VERSION + "\", stage=\"production\"})",
        status.stage("production").nodes().total(), Duration.ofSeconds(10));
    prometheus.awaitValue("max by (upgrade, state) (fleet_upgrade_state{upgrade=\"" + VERSION + "\", state=\"BLOCKED\"})",
        1, Duration.ofSeconds(10));
    prometheus.awaitValue("max by (stage, state) (fleet_upgrade_stage_state{stage=\"sandbox\", state=\"DONE\"})",
        1, Duration.ofSeconds(10));

    // And the workflows' counters (summed over replicas) saw the block and sandbox's reboots
    prometheus.awaitValue("sum by (stage, step) (fleet_upgrade_steps_blocked_total{stage=\"production\", step=\"reboot\"})",
        1, Duration.ofSeconds(30));
    prometheus.awaitAny("sum by (stage) (fleet_upgrade_node_reboot_duration_seconds_count{stage=\"sandbox\","
        + " fate=\"REBOOTED\"}) > 0", Duration.ofSeconds(30));

    // And the Temporal SDK's own metrics are scraped beside them
    assertThat(prometheus.awaitAny("sum by (workflow_type) (temporal_workflow_completed_total) > 0",
        Duration.ofSeconds(30)).toString()).contains("NodeRebootWorkflow");
    prometheus.awaitAny("sum(temporal_request_total{operation=\"StartWorkflowExecution\"}) > 0", Duration.ofSeconds(30));
    System.out.println("checked against " + prometheus.version());
  }

  private static FleetStatus awaitBlocked(FleetUpgradeWorkflow upgrade) throws InterruptedException {
    return await("the upgrade BLOCKED", Duration.ofSeconds(120), upgrade::status,
        status -> status.state() == FleetState.BLOCKED);
  }

  private static SimulatedStage stage(String name) {
    return new SimulatedStage(name, "mlab-" + name, "us-east1", List.of("b", "c", "d"),
        "api-platform-cluster-{region}-{zone}", ReleaseVersion.parse("v1.30.5"), 3, 2, 1);
  }

  /** Reboots looked at after a second; no soak between stages. */
  private static StagePlan plan(String name) {
    return new StagePlan(name, "mlab-" + name, "us-east1", List.of("b", "c", "d"), Duration.ofHours(2),
        new RebootBudget(10, 1, Duration.ofMinutes(30), 1, 2, Duration.ofMinutes(5), Duration.ofSeconds(1)),
        PromotionPolicy.auto(Duration.ZERO));
  }
}
