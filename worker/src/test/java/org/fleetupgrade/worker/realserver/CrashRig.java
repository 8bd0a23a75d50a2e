package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.worker.cli.JarProcess;

/**
 * What the crash tests share: a real Temporal server (the CLI's dev server, SQLite) and a client
 * of it; a config over a simulated fleet kept in a state file, with steps long enough (wall time)
 * for a kill to land inside them, nodes rebooting in 2 s and a 5-second heartbeat timeout, so an
 * attempt held by a dead worker is retried in seconds; the worker processes; the upgrade to
 * {@link #TARGET} started as an operator starts it.
 */
final class CrashRig implements AutoCloseable {

  static final String ID = "fleet-upgrade-v1.31.2";
  static final String TARGET = "v1.31.2";

  private final Path dir;
  private final TemporalCliServer server;
  private final WorkflowServiceStubs service;
  private final WorkflowClient client;
  private final Path config;
  private final Path stateFile;
  private final List<WorkerProcess> workers = new ArrayList<>();

  private CrashRig(Path dir, TemporalCliServer server) {
    this.dir = dir;
    this.server = server;
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    config = dir.resolve("fleet.yaml");
    stateFile = dir.resolve("fleet-state.json");
  }

  /** Starts a server in {@code dir} and writes the config with {@code stages} (the YAML list under stages:). */
  static CrashRig start(Path dir, String stages) throws IOException {
    CrashRig rig = new CrashRig(dir, TemporalCliServer.start(dir));
    Files.writeString(rig.config, """
        temporal: {address: "%s"}
        versions: {cni: v1.6.2, crictl: v1.31.1}
        reboot: {firstLook: 1s, maxUnavailable: 2, maxPerSite: 1}
        stages:
        %s
        simulation:
          stateFile: "%s"
          heartbeatTimeout: 5s
          timing: {drain: 200ms, memberUpgrade: 4s, imageBuild: 1s, nodeReboot: 2s}
        """.formatted(rig.server.address(), stages.stripTrailing().indent(2).stripTrailing(), rig.stateFile));
    return rig;
  }

  TemporalCliServer server() {
    return server;
  }

  WorkflowClient client() {
    return client;
  }

  /** Starts a new worker process (its log worker-N.log), which becomes {@link #worker()}; returns once it polls. */
  WorkerProcess newWorker() throws IOException, InterruptedException {
    WorkerProcess worker = WorkerProcess.start(config, server.address(),
        dir.resolve("worker-" + (workers.size() + 1) + ".log"));
    workers.add(worker);
    return worker;
  }

  /** The worker started last. */
  WorkerProcess worker() {
    return workers.get(workers.size() - 1);
  }

  /** `fleet-upgrade start` of the upgrade to {@link #TARGET}, which must exit 0. */
  void startUpgrade() {
    JarProcess.Result started = JarProcess.run("start", "--config", config.toString(), "--kubernetes", TARGET,
        "--address", server.address());
    assertThat(started.exit()).as(started.all()).isZero();
  }

  /** The simulated fleet's state file as the worker last wrote it. */
  JsonNode fleet() throws IOException {
    return SideEffects.read(stateFile);
  }

  /** The status query, read as the JSON it is (as `status --json` prints it, without pendingActivities). */
  JsonNode status() {
    return client.newUntypedWorkflowStub(ID).query("status", JsonNode.class);
  }

  @Override
  public void close() throws InterruptedException {
    for (WorkerProcess worker : workers) {
      worker.close();
    }
    service.shutdownNow();
    server.close();
  }
}
