package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.WorkflowExecutionConfig;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Operator commands with no worker polling: they fail at once in one line, naming the queue, the
 * address and the namespace, and send nothing that a worker coming back would apply later.
 * Against a fake frontend, as a real server answers: the test server behind {@code dev} does not
 * describe task queues (it runs its own worker anyway).
 */
class NoWorkerCliTest {

  static Server frontend;
  static String address;
  static volatile boolean workerPolls;
  /** The worker's first poll reaches the server at this describe (0: never). */
  static volatile int workerPollsFromDescribe;
  static final AtomicInteger describes = new AtomicInteger();
  static final List<String> updates = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startFrontend() throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(WorkflowServiceStubs.HEALTH_CHECK_SERVICE_NAME, ServingStatus.SERVING);
    frontend = ServerBuilder.forPort(0).addService(health.getHealthService())
        .addService(new WorkflowServiceGrpc.WorkflowServiceImplBase() {
          @Override
          public void describeNamespace(DescribeNamespaceRequest request,
              StreamObserver<DescribeNamespaceResponse> response) {
            response.onNext(DescribeNamespaceResponse.newBuilder()
                .setNamespaceInfo(NamespaceInfo.newBuilder().setName(request.getNamespace())).build());
            response.onCompleted();
          }

          @Override
          public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> response) {
            response.onNext(GetSystemInfoResponse.getDefaultInstance());
            response.onCompleted();
          }

          @Override
          public void describeWorkflowExecution(DescribeWorkflowExecutionRequest request,
              StreamObserver<DescribeWorkflowExecutionResponse> response) {
            if (!request.getExecution().getWorkflowId().equals("fleet-upgrade-v1.31.2")) {
              response.onError(Status.NOT_FOUND.withDescription("workflow not found").asRuntimeException());
              return;
            }
            response.onNext(DescribeWorkflowExecutionResponse.newBuilder().setExecutionConfig(WorkflowExecutionConfig
                .newBuilder().setTaskQueue(TaskQueue.newBuilder().setName("fleet-upgrade-sre")))
                .setWorkflowExecutionInfo(WorkflowExecutionInfo.newBuilder()
                    .setExecution(WorkflowExecution.newBuilder().setWorkflowId("fleet-upgrade-v1.31.2").setRunId("r1"))
                    .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)).build());
            response.onCompleted();
          }

          @Override
          public void describeTaskQueue(DescribeTaskQueueRequest request,
              StreamObserver<DescribeTaskQueueResponse> response) {
            DescribeTaskQueueResponse.Builder answer = DescribeTaskQueueResponse.newBuilder();
            int asked = describes.incrementAndGet();
            boolean polls = workerPolls || (workerPollsFromDescribe > 0 && asked >= workerPollsFromDescribe);
            if (polls && request.getTaskQueue().getName().equals("fleet-upgrade-sre")) {
              answer.addPollers(PollerInfo.newBuilder().setIdentity("4242@worker-1"));
            }
            response.onNext(answer.build());
            response.onCompleted();
          }

          @Override
          public void updateWorkflowExecution(UpdateWorkflowExecutionRequest request,
              StreamObserver<UpdateWorkflowExecutionResponse> response) {
            updates.add(request.getRequest().getInput().getName());
            response.onError(Status.INVALID_ARGUMENT.withDescription("fake frontend: no updates here").asRuntimeException());
          }
        }).build().start();
    address = "localhost:" + frontend.getPort();
  }

  @AfterAll
  static void stopFrontend() {
    frontend.shutdownNow();
  }

  @BeforeEach
  void noWorker() {
    workerPolls = false;
    workerPollsFromDescribe = 0;
    describes.set(0);
    updates.clear();
  }

  record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = Main.cli(args);
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      return new Result(cli.execute(args), printed.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(stdout);
    }
  }

  @Test
  void anOperatorCommandWithNoWorkerFailsInOneLineAndSendsNothing() {
    // Given an upgrade whose task queue no worker polls
    // When an operator pauses it, or asks its status
    Result pause = run("pause", "v1.31.2", "--reason", "checking a site", "--address", address);
    Result status = run("status", "v1.31.2", "--address", address);

    // Then each fails at once, exit 1, in one line saying which queue, where, and what to do; no
    // Update was sent (it would be applied when a worker comes back, behind the operator's back)
    for (Result r : List.of(pause, status)) {
      assertThat(r.code()).as(r.err()).isEqualTo(1);
      assertThat(r.err().lines().toList()).containsExactly("fleet-upgrade: no worker polls task queue 'fleet-upgrade-sre'"
          + " at " + address + " (namespace default, asked for 3s): nothing was sent; start one (`fleet-upgrade worker --config"
          + " FILE`, or `fleet-upgrade dev`) and run the command again");
    }
    assertThat(updates).isEmpty();
  }

  @Test
  void withAWorkerPollingTheCommandGoesOn() {
    workerPolls = true;

    Result pause = run("pause", "v1.31.2", "--reason", "checking a site", "--address", address);

    assertThat(updates).as(pause.err()).containsExactly("pause");
  }

  @Test
  void aWorkerWhoseFirstPollIsOnItsWayIsWaitedFor() {
    // Given a worker started a moment ago: the server lists it from the third time it is asked
    workerPollsFromDescribe = 3;

    // When the operator pauses the upgrade
    Result pause = run("pause", "v1.31.2", "--reason", "checking a site", "--address", address);

    // Then the command is sent, not refused for want of a worker
    assertThat(updates).as(pause.err()).containsExactly("pause");
    assertThat(describes.get()).isEqualTo(3);
  }
}
