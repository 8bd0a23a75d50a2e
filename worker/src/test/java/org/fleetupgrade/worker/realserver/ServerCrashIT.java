package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;
import static org.fleetupgrade.worker.realserver.SideEffects.journal;
import static org.fleetupgrade.worker.realserver.SideEffects.stage;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.worker.cli.JarProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Temporal server crashes for real: the CLI's dev server is killed with SIGKILL twice during an
 * upgrade (right after a member's kubeadm upgrade apply, and mid rolling reboot with nodes in
 * flight) and started again on its SQLite file and ports. The worker, its own process, is never
 * restarted: it reconnects by itself, and the upgrade completes with every side effect done once.
 */
class ServerCrashIT {

  private static final String ID = "fleet-upgrade-v1.31.2";
  private static final String TARGET = "v1.31.2";

  @TempDir
  Path dir;

  private TemporalCliServer server;
  private WorkflowServiceStubs service;
  private WorkflowClient client;
  private WorkerProcess worker;
  private Path config;
  private Path stateFile;

  @BeforeEach
  void startServerAndWorker() throws Exception {
    server = TemporalCliServer.start(dir);
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    stateFile = dir.resolve("fleet-state.json");
    config = dir.resolve("fleet.yaml");
    Files.writeString(config, """
        temporal: {address: "%s"}
        versions: {cni: v1.6.2, crictl: v1.31.1}
        reboot: {firstLook: 1s, maxUnavailable: 2, maxPerSite: 1}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c],
             simulated: {currentVersion: v1.30.5, sites: 4, nodesPerSite: 1, virtualNodes: 1}}
        simulation:
          stateFile: "%s"
          heartbeatTimeout: 5s
          timing: {drain: 200ms, memberUpgrade: 4s, imageBuild: 1s, nodeReboot: 2s}
        """.formatted(server.address(), stateFile));
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

  private JsonNode fleet() throws java.io.IOException {
    return SideEffects.read(stateFile);
  }

  /** SIGKILL the server and start it again on the same database and ports (down while it starts). */
  private void crashServer() throws Exception {
    server.kill();
    server.restart();
  }

  @Test
  void theServerKilledMidControlPlaneAndMidRebootComesBackAndTheSameWorkerFinishesWithEachSideEffectOnce()
      throws Exception {
    long began = System.nanoTime();
    long pid = worker.pid();
    JarProcess.Result started = JarProcess.run("start", "--config", config.toString(), "--kubernetes", TARGET,
        "--address", server.address());
    assertThat(started.exit()).as(started.all()).isZero();

    // 1. While the first member's upgrade step runs (apply done, its activity ends while the server is down)
    await("sandbox's apply", Duration.ofSeconds(60), () -> journal(fleet(), "apply", "sandbox").isEmpty() ? null : true);
    crashServer();
    // 2. Mid rolling reboot: the canary back, more nodes sent into their reboot
    await("a second node rebooting", Duration.ofSeconds(120),
        () -> journal(fleet(), "reboot", "sandbox").size() >= 2 ? true : null);
    crashServer();

    // Then the same worker process reconnects by itself and the upgrade completes
    JsonNode done = await("the upgrade's result", Duration.ofSeconds(150), () ->
        client.newUntypedWorkflowStub(ID)
            .getResult(10, TimeUnit.SECONDS, JsonNode.class));
    assertThat(done.path("state").asText()).isEqualTo("COMPLETED");
    assertThat(worker.isAlive()).as("the worker was never restarted").isTrue();
    assertThat(worker.pid()).isEqualTo(pid);
    SideEffects.assertEachDoneOnce(fleet(), TARGET);
    System.out.printf("ServerCrashIT: 2 server SIGKILLs, one worker, the upgrade completed in %ds%n",
        Duration.ofNanos(System.nanoTime() - began).toSeconds());
  }
}
