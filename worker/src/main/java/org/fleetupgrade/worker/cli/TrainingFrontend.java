package org.fleetupgrade.worker.cli;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.update.v1.Outcome;
import io.temporal.api.update.v1.UpdateRef;
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
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The Temporal frontend the archive's training run talks to (ArchiveTraining): one running
 * upgrade, a worker polling its queue, its status query and its Updates answered, on 127.0.0.1 in
 * this JVM. It answers what a client command asks, so the classes of a successful exchange (HTTP/2
 * frames, the SDK's query and Update paths, a payload decoded) are archived, not only those of a
 * refused connection. Never part of a command.
 */
final class TrainingFrontend implements AutoCloseable {

  private final Server server;

  /**
   * {@code queries}: by workflow id, what a query of it answers (the upgrade's status, its rollout's
   * progress); every other id is not found. {@code updated}: what every Update returns.
   */
  TrainingFrontend(String workflowId, Map<String, Payloads> queries, Payloads updated) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(WorkflowServiceStubs.HEALTH_CHECK_SERVICE_NAME, ServingStatus.SERVING);
    WorkflowExecution execution = WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId("training").build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(health.getHealthService())
        .addService(new WorkflowServiceGrpc.WorkflowServiceImplBase() {
          @Override
          public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> response) {
            answer(response, GetSystemInfoResponse.newBuilder().setCapabilities(
                GetSystemInfoResponse.Capabilities.newBuilder().setSdkMetadata(true).build()).build());
          }

          @Override
          public void describeNamespace(DescribeNamespaceRequest request,
              StreamObserver<DescribeNamespaceResponse> response) {
            answer(response, DescribeNamespaceResponse.newBuilder()
                .setNamespaceInfo(NamespaceInfo.newBuilder().setName(request.getNamespace())).build());
          }

          @Override
          public void describeWorkflowExecution(DescribeWorkflowExecutionRequest request,
              StreamObserver<DescribeWorkflowExecutionResponse> response) {
            answer(response, DescribeWorkflowExecutionResponse.newBuilder()
                .setExecutionConfig(WorkflowExecutionConfig.newBuilder()
                    .setTaskQueue(TaskQueue.newBuilder().setName("fleet-upgrade")))
                .setWorkflowExecutionInfo(WorkflowExecutionInfo.newBuilder().setExecution(execution)
                    .setType(io.temporal.api.common.v1.WorkflowType.newBuilder().setName("FleetUpgradeWorkflow"))
                    .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)).build());
          }

          @Override
          public void describeTaskQueue(DescribeTaskQueueRequest request,
              StreamObserver<DescribeTaskQueueResponse> response) {
            answer(response, DescribeTaskQueueResponse.newBuilder()
                .addPollers(PollerInfo.newBuilder().setIdentity("training@localhost")).build());
          }

          @Override
          public void queryWorkflow(QueryWorkflowRequest request, StreamObserver<QueryWorkflowResponse> response) {
            Payloads answer = queries.get(request.getExecution().getWorkflowId());
            if (answer == null) {
              response.onError(Status.NOT_FOUND.withDescription("workflow not found").asRuntimeException());
            } else {
              answer(response, QueryWorkflowResponse.newBuilder().setQueryResult(answer).build());
            }
          }

          @Override
          public void updateWorkflowExecution(UpdateWorkflowExecutionRequest request,
              StreamObserver<UpdateWorkflowExecutionResponse> response) {
            answer(response, UpdateWorkflowExecutionResponse.newBuilder()
                .setUpdateRef(UpdateRef.newBuilder().setWorkflowExecution(execution)
                    .setUpdateId(request.getRequest().getMeta().getUpdateId()))
                .setStage(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED)
                .setOutcome(Outcome.newBuilder().setSuccess(updated)).build());
          }
        })
        .build().start();
  }

  private static <T> void answer(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
