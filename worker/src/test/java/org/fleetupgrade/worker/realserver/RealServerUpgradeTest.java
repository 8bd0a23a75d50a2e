package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.engine.UpgradeOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade on a real Temporal server (the CLI's dev server, SQLite): it runs to the end, and
 * visibility finds it by our search attributes with its final state, which the Java test server
 * cannot show.
 */
class RealServerUpgradeTest {

  private static final String TASK_QUEUE = "fleet-upgrade-real-server-test";

  @TempDir
  Path dir;

  private TemporalCliServer server;
  private WorkflowServiceStubs service;
  private WorkerFactory workers;
  private WorkflowClient client;

  @BeforeEach
  void startServerAndWorker() throws Exception {
    server = TemporalCliServer.start(dir);
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    SimulatedFleet fleet = new SimulatedFleet(List.of(new SimulatedStage("sandbox", "mlab-sandbox", "us-east1",
        List.of("b", "c", "d"), "api-platform-cluster-{region}-{zone}", ReleaseVersion.parse("v1.30.5"), 2, 2, 1)),
        SimulatedTiming.INSTANT, List.of());
    // Reboots take no time: a node is back at its first look.
    fleet.rebootTimes(Duration.ZERO, 0, 1);
    workers = WorkerFactory.newInstance(client);
    FleetWorker.register(workers, TASK_QUEUE, fleet.activities());
    workers.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (workers != null) {
      workers.shutdownNow();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void anUpgradeRunsToTheEndAndVisibilityFindsItByVersionWithItsState() throws Exception {
    // Given an upgrade of one simulated stage, started as `start` starts it
    StagePlan sandbox = new StagePlan("sandbox", "mlab-sandbox", "us-east1", List.of("b", "c", "d"), Duration.ofHours(2),
        new RebootBudget(10, 1, Duration.ofMinutes(30), 1, 2, Duration.ofMinutes(5), Duration.ofSeconds(1)),
        PromotionPolicy.auto(Duration.ZERO));
    UpgradeRequest request = new UpgradeRequest(TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1"), List.of(sandbox));
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, UpgradeOptions.of(request, TASK_QUEUE));
    WorkflowClient.start(upgrade::run, request);

    // When it finishes
    FleetStatus result = WorkflowStub.fromTyped(upgrade).getResult(90, java.util.concurrent.TimeUnit.SECONDS, FleetStatus.class);

    // Then it completed, and a visibility query on our search attributes finds it, COMPLETED
    assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
    String query = SearchAttributes.VERSION.getName() + " = 'v1.31.2' AND " + SearchAttributes.STATE.getName()
        + " = 'COMPLETED'";
    // Visibility is eventually consistent: look again until it shows, within the deadline.
    List<WorkflowExecutionMetadata> found = await("the visibility query finds it", Duration.ofSeconds(30),
        () -> client.listExecutions(query + " AND WorkflowType = 'FleetUpgradeWorkflow'").toList(),
        executions -> !executions.isEmpty());
    assertThat(found).extracting(m -> m.getExecution().getWorkflowId()).containsExactly("fleet-upgrade-v1.31.2");
    assertThat(found.get(0).getStatus()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  }
}
