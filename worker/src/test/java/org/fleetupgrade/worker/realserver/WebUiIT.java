package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.fleetupgrade.worker.cli.JarProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees of a running upgrade in the Temporal web UI (the real server's, in
 * headless Chromium): found in the workflow list by its {@code FleetUpgradeVersion}, opened, its
 * summary, its current details (the stage table, what is blocked, then the gate) and its stage
 * child workflows. Screenshots land in worker/target/web-ui/.
 */
class WebUiIT {

  private static final String ID = "fleet-upgrade-v1.31.2";
  private static final String VERSION = "v1.31.2";
  private static final String MEMBER = "api-platform-cluster-us-west2-b";
  static final Path SCREENSHOTS = JarProcess.JAR.toAbsolutePath().getParent().resolve("web-ui");

  @TempDir
  Path dir;

  private TemporalCliServer server;
  private WorkflowServiceStubs service;
  private WorkflowClient client;
  private WorkerProcess worker;
  private Path config;

  @BeforeEach
  void startServerAndWorker() throws Exception {
    WebUiCheck.require();
    server = TemporalCliServer.start(dir);
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    config = dir.resolve("fleet.yaml");
    // Sandbox's second member fails verification once, for good: the stage blocks until `retry`.
    Files.writeString(config, """
        temporal: {address: "%s"}
        versions: {cni: v1.6.2, crictl: v1.31.1}
        reboot: {firstLook: 1s}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c], promotion: approval,
             simulated: {currentVersion: v1.30.5, sites: 3, nodesPerSite: 1, virtualNodes: 1}}
          - {name: staging, project: mlab-staging, region: us-central1, zones: [a, b, c],
             simulated: {currentVersion: v1.30.5, sites: 4, nodesPerSite: 1, virtualNodes: 1}}
          - {name: production, project: mlab-oti, region: us-east1, zones: [b, c, d],
             simulated: {currentVersion: v1.30.5, sites: 6, nodesPerSite: 1, virtualNodes: 1}}
        simulation:
          timing: {}
          faults:
            - {step: verify, stage: sandbox, target: %s, times: 1, retryable: false,
               error: "kube-apiserver image is v1.30.5, want v1.31.2"}
        """.formatted(server.address(), MEMBER));
    worker = WorkerProcess.start(config, server.address(), dir.resolve("worker.log"));
  }

  @AfterEach
  void stop() throws Exception {
    if (worker != null) {
      worker.close();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private JsonNode status() {
    return client.newUntypedWorkflowStub(ID).query("status", JsonNode.class);
  }

  private JarProcess.Result cli(String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--address";
    all[args.length + 1] = server.address();
    return JarProcess.run(all);
  }

  @Test
  void anOperatorFindsTheUpgradeByItsVersionAndSeesItsSummaryDetailsAndStages() throws Exception {
    JarProcess.Result started = cli("start", "--config", config.toString(), "--kubernetes", VERSION);
    assertThat(started.exit()).as(started.all()).isZero();

    // Given sandbox blocked at its second member's verification
    await("sandbox blocked", Duration.ofSeconds(60), () -> status().path("blockedStep").isTextual() ? true : null);
    JsonNode blocked = WebUiCheck.open(server.uiUrl(), VERSION, ID, SCREENSHOTS, "blocked");

    // Then the list filtered by FleetUpgradeVersion shows it running; its summary names the version and stages
    assertThat(blocked.path("list").asText()).contains(ID, "RUNNING", "FleetUpgradeWorkflow",
        "FleetUpgradeVersion = \"" + VERSION + "\"");
    assertThat(blocked.path("summary").asText()).isEqualTo("Kubernetes v1.31.2: sandbox -> staging -> production");
    assertThat(blocked.path("details").asText())
        .isEqualTo("Upgrade to kubernetes v1.31.2, cni v1.6.2, crictl v1.31.1, stages sandbox -> staging -> production");
    // And its current details: the stage table and what blocks it
    assertThat(blocked.path("currentDetails").asText()).contains("Upgrade to v1.31.2: BLOCKED",
        "stage\tstate\tstep\tnodes at target", "sandbox\tBLOCKED\tverify:" + MEMBER + "\t",
        "staging\tPENDING", "production\tPENDING",
        "Blocked at verify:" + MEMBER + ": Verify: simulated fault at verify on " + MEMBER
            + ": kube-apiserver image is v1.30.5, want v1.31.2 [SimulatedFault]",
        "retry, skip (with a reason) or abort.");
    // And the stage runs as its child workflow
    assertThat(blocked.path("relationships").asText()).contains("StageUpgradeWorkflow", ID + "/sandbox");

    // When the operator retries, sandbox finishes and waits at its approval gate
    JarProcess.Result retried = cli("retry", ID, "--reason", "static pods restarted");
    assertThat(retried.exit()).as(retried.all()).isZero();
    await("sandbox's approval gate", Duration.ofSeconds(60),
        () -> status().path("gate").path("phase").asText().equals("WAITING_APPROVAL") ? true : null);
    JsonNode gate = WebUiCheck.open(server.uiUrl(), VERSION, ID, SCREENSHOTS, "gate");

    // Then the current details show the stage table with sandbox done and the gate, with the command as written
    assertThat(gate.path("currentDetails").asText()).contains("Upgrade to v1.31.2: GATE",
        "sandbox\tDONE\t\t7/7", "staging\tPENDING", "production\tPENDING", "Images of sandbox: sandbox-v1.31.2 at ",
        "Gate sandbox -> staging: WAITING_APPROVAL (approve with: fleet-upgrade approve " + ID
            + " sandbox --reason ...)")
        .doesNotContain("Blocked at");
    assertThat(gate.path("relationships").asText()).contains(ID + "/sandbox", "COMPLETED");
    assertThat(SCREENSHOTS.resolve("gate-metadata.png")).isNotEmptyFile();
    assertThat(SCREENSHOTS.resolve("gate-list.png")).isNotEmptyFile();
    assertThat(SCREENSHOTS.resolve("blocked-metadata.png")).isNotEmptyFile();
  }
}
