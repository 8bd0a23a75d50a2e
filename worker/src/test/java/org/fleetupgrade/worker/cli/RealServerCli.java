package org.fleetupgrade.worker.cli;

import static org.fleetupgrade.worker.Poll.await;

import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.FleetActivities;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.realserver.TemporalCliServer;
import picocli.CommandLine;

/**
 * A real Temporal server (the CLI's dev server), a worker in this JVM over the simulated fleet of
 * a config, and the CLI run in process against them, its output captured: for tests of what only
 * a real server does (Schedules, visibility queries).
 */
final class RealServerCli implements AutoCloseable {

  record Result(int code, String out, String err) {}

  /**
   * Two small simulated stages, sandbox promoted by approval (so an upgrade waits at its gate), for
   * {@code new RealServerCli(dir, SANDBOX_BY_APPROVAL)}.
   */
  static final String SANDBOX_BY_APPROVAL = """
      temporal: {address: "%s"}
      versions: {cni: v1.6.2, crictl: v1.31.1}
      reboot: {firstLook: 1s}
      stages:
        - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c], promotion: approval,
           simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 1, virtualNodes: 1}}
        - {name: production, project: mlab-oti, region: us-east1, zones: [b, c, d],
           simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 1, virtualNodes: 1}}
      simulation: {timing: {}}
      """;

  final TemporalCliServer server;
  final WorkflowServiceStubs service;
  final WorkflowClient client;
  final Path config;
  private final WorkerFactory workers;

  /** {@code yaml}: the config, with %s where the server's address goes. */
  RealServerCli(Path dir, String yaml) throws IOException, InterruptedException {
    server = TemporalCliServer.start(dir);
    config = dir.resolve("fleet.yaml");
    Files.writeString(config, yaml.formatted(server.address()));
    FleetConfig fleet = ConfigCommand.load(config);
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(server.address()).build());
    client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    workers = WorkerFactory.newInstance(client);
    FleetWorker.register(workers, fleet.temporal().taskQueue(), FleetActivities.forConfig(fleet, fault -> { }));
    workers.start();
    awaitPoller(fleet.temporal().taskQueue());
  }

  /** Until the server lists the worker's poller, within 30 s: only then do the CLI's worker checks pass. */
  private void awaitPoller(String taskQueue) throws InterruptedException {
    DescribeTaskQueueRequest describe = DescribeTaskQueueRequest.newBuilder().setNamespace("default")
        .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue)).setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
        .build();
    await("the worker polling task queue " + taskQueue, Duration.ofSeconds(30),
        () -> service.blockingStub().describeTaskQueue(describe).getPollersCount(), pollers -> pollers > 0);
  }

  /** The CLI with {@code args} and --address of the server. */
  Result cli(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = Main.cli();
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      int code = cli.execute(Stream.concat(Arrays.stream(args), Stream.of("--address", server.address()))
          .toArray(String[]::new));
      return new Result(code, printed.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(stdout);
    }
  }

  /** The CLI, which must exit 0. */
  Result ok(String... args) {
    Result r = cli(args);
    if (r.code() != 0) {
      throw new AssertionError(String.join(" ", args) + " exited " + r.code() + "\n" + r.out() + r.err());
    }
    return r;
  }

  /** Polls the upgrade's status query until {@code condition}, within 90 s. */
  FleetStatus awaitStatus(String upgradeId, Predicate<FleetStatus> condition) throws InterruptedException {
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, upgradeId);
    return await("the status of " + upgradeId + " to match", Duration.ofSeconds(90), upgrade::status, condition);
  }

  /** Runs the CLI until its output matches (visibility is eventually consistent), within 30 s. */
  Result awaitOutput(Predicate<String> condition, String... args) throws InterruptedException {
    return await(String.join(" ", args) + " to match", Duration.ofSeconds(30), () -> ok(args),
        last -> condition.test(last.out()));
  }

  @Override
  public void close() throws InterruptedException {
    workers.shutdownNow();
    service.shutdownNow();
    server.close();
  }
}
