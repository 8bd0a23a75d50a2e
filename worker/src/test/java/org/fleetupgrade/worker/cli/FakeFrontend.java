package org.fleetupgrade.worker.cli;

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
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake Temporal frontend for the CLI's tests, on a free local port: healthy, with only the
 * namespace "default", no visibility queries (empty open and closed lists) and the running upgrades
 * a test names. Like the Java test server behind {@code dev} it does not describe task queues,
 * unless a test asks it to as a real server does: then no worker polls one until a test says from
 * which describe on one does. Updates are recorded by name and refused, so none is ever applied.
 */
final class FakeFrontend implements AutoCloseable {

  private final Server server;
  /** Running upgrades: workflow id to the task queue it runs on. */
  private final Map<String, String> upgrades = new ConcurrentHashMap<>();
  private final AtomicInteger describes = new AtomicInteger();
  private final List<String> updates = new CopyOnWriteArrayList<>();
  private volatile boolean describesTaskQueues;
  private volatile String polledQueue;
  /** The worker's first poll reaches the server at this describe of any task queue (0: never). */
  private volatile int pollsFromDescribe;
  /** Workflow ids whose describe the server refuses (PERMISSION_DENIED), as a credential without that right. */
  private final java.util.Set<String> deniedDescribes = ConcurrentHashMap.newKeySet();

  private FakeFrontend() throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(WorkflowServiceStubs.HEALTH_CHECK_SERVICE_NAME, ServingStatus.SERVING);
    server = ServerBuilder.forPort(0).addService(health.getHealthService()).addService(new Service()).build().start();
  }

  static FakeFrontend start() throws IOException {
    return new FakeFrontend();
  }

  /** host:port to give as --address. */
  String address() {
    return "localhost:" + server.getPort();
  }

  /** An upgrade {@code workflowId} (run "r1") is running on {@code taskQueue}. */
  FakeFrontend running(String workflowId, String taskQueue) {
    upgrades.put(workflowId, taskQueue);
    return this;
  }

  /** Describing {@code workflowId} is refused with PERMISSION_DENIED. */
  FakeFrontend deniesDescribe(String workflowId) {
    deniedDescribes.add(workflowId);
    return this;
  }

  /** Task queues are described, as a real server does (else UNIMPLEMENTED, as the test server). */
  FakeFrontend describesTaskQueues() {
    describesTaskQueues = true;
    return this;
  }

  /** A worker polls {@code taskQueue}, listed from the {@code describe}-th describe on (1: at once). */
  void workerPolls(String taskQueue, int describe) {
    polledQueue = taskQueue;
    pollsFromDescribe = describe;
  }

  /** How many times task queues were described since the last {@link #reset}. */
  int describes() {
    return describes.get();
  }

  /** The names of the Updates sent since the last {@link #reset}, in order. */
  List<String> updates() {
    return updates;
  }

  /** No worker polls, nothing described or sent yet; the running upgrades and what is answered stay. */
  void reset() {
    polledQueue = null;
    pollsFromDescribe = 0;
    describes.set(0);
    updates.clear();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private final class Service extends WorkflowServiceGrpc.WorkflowServiceImplBase {

    @Override
    public void describeNamespace(DescribeNamespaceRequest request, StreamObserver<DescribeNamespaceResponse> response) {
      if (!request.getNamespace().equals("default")) {
        response.onError(Status.NOT_FOUND.withDescription("Namespace " + request.getNamespace() + " is not found.")
            .asRuntimeException());
        return;
      }
      response.onNext(DescribeNamespaceResponse.newBuilder()
          .setNamespaceInfo(NamespaceInfo.newBuilder().setName("default")).build());
      response.onCompleted();
    }

    @Override
    public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> response) {
      response.onNext(GetSystemInfoResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void listOpenWorkflowExecutions(ListOpenWorkflowExecutionsRequest request,
        StreamObserver<ListOpenWorkflowExecutionsResponse> response) {
      response.onNext(ListOpenWorkflowExecutionsResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void listClosedWorkflowExecutions(ListClosedWorkflowExecutionsRequest request,
        StreamObserver<ListClosedWorkflowExecutionsResponse> response) {
      response.onNext(ListClosedWorkflowExecutionsResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void describeWorkflowExecution(DescribeWorkflowExecutionRequest request,
        StreamObserver<DescribeWorkflowExecutionResponse> response) {
      String id = request.getExecution().getWorkflowId();
      if (deniedDescribes.contains(id)) {
        response.onError(Status.PERMISSION_DENIED.withDescription("Request unauthorized.").asRuntimeException());
        return;
      }
      String taskQueue = upgrades.get(id);
      if (taskQueue == null) {
        response.onError(Status.NOT_FOUND.withDescription("workflow not found").asRuntimeException());
        return;
      }
      response.onNext(DescribeWorkflowExecutionResponse.newBuilder().setExecutionConfig(WorkflowExecutionConfig
          .newBuilder().setTaskQueue(TaskQueue.newBuilder().setName(taskQueue)))
          .setWorkflowExecutionInfo(WorkflowExecutionInfo.newBuilder()
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId("r1"))
              .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)).build());
      response.onCompleted();
    }

    @Override
    public void describeTaskQueue(DescribeTaskQueueRequest request, StreamObserver<DescribeTaskQueueResponse> response) {
      if (!describesTaskQueues) {
        super.describeTaskQueue(request, response);
        return;
      }
      DescribeTaskQueueResponse.Builder answer = DescribeTaskQueueResponse.newBuilder();
      int asked = describes.incrementAndGet();
      boolean polls = pollsFromDescribe > 0 && asked >= pollsFromDescribe;
      if (polls && request.getTaskQueue().getName().equals(polledQueue)) {
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
  }
}
