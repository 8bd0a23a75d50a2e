package org.fleetupgrade.worker.engine;

import com.uber.m3.tally.Scope;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.fleetupgrade.worker.cli.BadInputException;
import org.fleetupgrade.worker.cli.OperationFailedException;

/**
 * A checked connection to a Temporal frontend: the server answered its health check and knows the
 * namespace before any command uses it, so an unreachable address or an unknown namespace is one
 * clear line, not a stack trace, a hang, or a silent answer from another namespace.
 */
public final class TemporalConnection implements AutoCloseable {

  /** How long a command waits for the server to answer before calling the address unreachable. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** How long "no worker polls" is asked again before it is believed: a worker's first poll may be on its way. */
  static final Duration WORKER_GRACE = Duration.ofSeconds(3);
  private static final Duration WORKER_POLL = Duration.ofMillis(250);

  /** host:port, the host a name or an IPv4 address, or [IPv6]:port. */
  private static final Pattern ADDRESS = Pattern.compile(
      "(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\]):(\\d{1,5})");
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

  private final WorkflowServiceStubs stubs;
  private final EventLoopGroup eventLoop;
  private final WorkflowClient client;
  private final String address;
  private final String namespace;

  private TemporalConnection(WorkflowServiceStubs stubs, EventLoopGroup eventLoop, String address, String namespace) {
    this.stubs = stubs;
    this.eventLoop = eventLoop;
    this.address = address;
    this.namespace = namespace;
    this.client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }

  /** TLS settings in the Temporal CLI's terms; all null means plain text. */
  public record Tls(boolean enabled, String certPath, String keyPath, String caPath) {
    public static final Tls NONE = new Tls(false, null, null, null);

    boolean used() {
      return enabled || certPath != null || caPath != null;
    }
  }

  /**
   * Connects to {@code address} and checks that {@code namespace} exists there. A malformed address
   * or an unknown namespace is bad input (exit 2); a server that does not answer within
   * {@link #CONNECT_TIMEOUT} is a failed operation (exit 1): the input may be right, the server down.
   */
  public static TemporalConnection open(String address, String namespace, Tls tls) {
    return open(address, namespace, tls, null);
  }

  /**
   * As {@link #open(String, String, Tls)}, reporting the SDK's metrics, and those workflow code
   * emits, to {@code metricsScope} (null: none).
   */
  public static TemporalConnection open(String address, String namespace, Tls tls, Scope metricsScope) {
    checkAddress("--address", address);
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new BadInputException("--namespace: '" + namespace + "' is not a Temporal namespace name");
    }
    // The connection's own event loop, not gRPC's shared one, so close() can end its thread: the JVM
    // waits up to 300 ms at exit for threads in native code (an event loop in epoll_wait), a third
    // of a short command's time.
    io.grpc.netty.shaded.io.netty.handler.ssl.SslContext ssl = tls.used() ? sslContext(tls) : null; // bad input first
    EventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("temporal-grpc", true));
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(address)
        .setChannelInitializer(channel -> {
          if (channel instanceof NettyChannelBuilder netty) {
            netty.eventLoopGroup(eventLoop).channelType(NioSocketChannel.class);
          }
        });
    if (ssl != null) {
      options.setSslContext(ssl);
    }
    if (metricsScope != null) {
      options.setMetricsScope(metricsScope);
    }
    // Not newConnectedServiceStubs: its health check waits for the channel to be ready, so a refused
    // connection took the whole timeout (6 s) to say so. The namespace check below is the first call.
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(options.build());
    TemporalConnection connection = new TemporalConnection(stubs, eventLoop, address, namespace);
    try {
      checkNamespace(stubs, address, namespace);
      return connection;
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** {@code address} as HOST:PORT with a port from 1 to 65535, or bad input naming {@code option}. */
  public static String checkAddress(String option, String address) {
    Matcher m = ADDRESS.matcher(address == null ? "" : address);
    int port = m.matches() ? Integer.parseInt(m.group(1)) : 0;
    if (port < 1 || port > 65535) {
      throw new BadInputException(option + ": '" + address + "' is not HOST:PORT (e.g. localhost:7233 or"
          + " temporal.example.org:7233): give the port");
    }
    return address;
  }

  /**
   * The first call: a server that cannot be reached fails here in one line (exit 1), at once when
   * the connection is refused or the host unknown. A namespace the server does not have is bad input:
   * without this check `list` answered from another namespace and a worker polled nothing. Anything
   * else (a server or credential that may not describe namespaces) leaves the command's own calls to
   * say what is wrong.
   */
  static void checkNamespace(WorkflowServiceStubs stubs, String address, String namespace) {
    try {
      stubs.blockingStub().withDeadlineAfter(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new BadInputException("namespace '" + namespace + "' does not exist at " + address
            + " (set --namespace or TEMPORAL_NAMESPACE)");
      }
      String notTemporal = notTemporal(e);
      if (notTemporal != null) {
        throw new OperationFailedException("cannot reach Temporal at " + address + ": " + notTemporal);
      }
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw new OperationFailedException(unreachable(address, e));
      }
    }
  }

  /**
   * Why what answers at the address is not a Temporal frontend as asked, in a few words; null when
   * nothing says so. gRPC reports these in many lines (headers, an HTML body, a hex dump).
   */
  static String notTemporal(StatusRuntimeException e) {
    String description = String.valueOf(e.getStatus().getDescription());
    if (description.startsWith("HTTP status code")) { // an HTTP/2 answer that is not gRPC: a proxy, a web server
      return "something else answers there (" + firstLine(description) + ", not gRPC) (set --address or TEMPORAL_ADDRESS)";
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof SSLException) {
        return (message.startsWith("not an SSL/TLS record")
            ? "no TLS there (the answer is not a TLS record): drop --tls, or check the port"
            : "TLS failed (" + firstLine(message) + "): check --tls-ca-path, --tls-cert-path and --tls-key-path");
      }
      if (t.getClass().getSimpleName().equals("Http2Exception")) { // plain HTTP/1.1 (a web UI's port, say)
        return "something else answers there (not HTTP/2: " + firstLine(message) + ") (set --address or TEMPORAL_ADDRESS)";
      }
    }
    return null;
  }

  /** The first line of {@code text}, at most 120 characters. */
  private static String firstLine(String text) {
    String line = text.strip().lines().findFirst().orElse("");
    return line.length() <= 120 ? line : line.substring(0, 117) + "...";
  }

  /**
   * Fails in one line unless a worker polls the task queue of upgrade {@code workflowId}: without
   * one, an operator command (an Update) or a status query waits and times out, and an Update is
   * even applied later, behind the operator's back, when a worker comes back. The task queue is the
   * one the upgrade runs on (from the server), so no config is needed. A server that cannot say
   * (the test server behind {@code dev}, which runs its own worker) is not asked again; an upgrade
   * the server does not know is left to the command to report.
   *
   * @return the upgrade's description as read for the check, for the command to use rather than ask
   *     again; null when the server did not give one
   */
  public DescribeWorkflowExecutionResponse requireWorkerFor(String workflowId) {
    DescribeWorkflowExecutionResponse described;
    try {
      described = stubs.blockingStub().withDeadlineAfter(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace(namespace)
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId)).build());
    } catch (StatusRuntimeException e) {
      return null; // not found, or not answered: the command's own call says what is wrong
    }
    if (described.getWorkflowExecutionInfo().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      requireWorkerOn(described.getExecutionConfig().getTaskQueue().getName());
    } // else a finished upgrade takes no input, and its status is its result: no worker needed
    return described;
  }

  /**
   * As {@link #requireWorkerFor}, for a task queue named in the config (review and start). A worker
   * started a moment ago is not listed until its first poll reaches the server, so "none" is asked
   * again for {@link #WORKER_GRACE} before it is believed.
   */
  public void requireWorkerOn(String taskQueue) {
    if (taskQueue == null || taskQueue.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + WORKER_GRACE.toNanos();
    while (true) {
      DescribeTaskQueueResponse described;
      try {
        described = stubs.blockingStub().withDeadlineAfter(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .describeTaskQueue(DescribeTaskQueueRequest.newBuilder().setNamespace(namespace)
                .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
                .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW).build());
      } catch (StatusRuntimeException e) {
        return; // UNIMPLEMENTED (the test server) or not answered: the command goes on and says what it finds
      }
      if (described.getPollersCount() > 0) {
        return;
      }
      if (System.nanoTime() >= deadline) {
        throw new OperationFailedException("no worker polls task queue '" + taskQueue + "' at " + address
            + " (namespace " + namespace + ", asked for " + WORKER_GRACE.toSeconds() + "s): nothing was sent; start one"
            + " (`fleet-upgrade worker --config FILE`, or `fleet-upgrade dev`) and run the command again");
      }
      try {
        Thread.sleep(WORKER_POLL.toMillis()); // a CLI waiting on the server, not a workflow
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OperationFailedException("interrupted while looking for a worker on task queue '" + taskQueue + "'");
      }
    }
  }

  /** One line: the address and why, e.g. "unknown host", "connection refused", "no answer within 5s". */
  static String unreachable(String address, Throwable e) {
    String why = null;
    for (Throwable t = e; t != null && why == null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnknownHostException) {
        why = "unknown host " + address.substring(0, address.lastIndexOf(':'));
      } else if (t instanceof ConnectException || String.valueOf(t.getMessage()).contains("Connection refused")) {
        why = "connection refused";
      } else if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        why = "no answer within " + CONNECT_TIMEOUT.toSeconds() + "s";
      }
    }
    return "cannot reach Temporal at " + address + ": " + (why != null ? why : firstLine(rootMessage(e)))
        + " (is the server running? set --address or TEMPORAL_ADDRESS)";
  }

  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(Tls tls) {
    if ((tls.certPath() == null) != (tls.keyPath() == null)) {
      throw new BadInputException("--tls-cert-path and --tls-key-path go together: give both or neither");
    }
    try {
      SslContextBuilder builder = GrpcSslContexts.forClient();
      if (tls.caPath() != null) {
        builder.trustManager(readable(tls.caPath(), "--tls-ca-path"));
      }
      if (tls.certPath() != null) {
        builder.keyManager(readable(tls.certPath(), "--tls-cert-path"), readable(tls.keyPath(), "--tls-key-path"));
      }
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new BadInputException("TLS settings cannot be used: " + rootMessage(e));
    }
  }

  private static File readable(String path, String option) {
    File file = new File(path);
    if (!file.canRead()) {
      throw new BadInputException(option + ": cannot read " + path);
    }
    return file;
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return e == root || e.getMessage() == null ? message : e.getMessage() + (message.equals(e.getMessage()) ? "" : " (" + message + ")");
  }

  public WorkflowClient client() {
    return client;
  }

  /**
   * Whether the server runs Schedules. The Java test server (behind `dev` and `demo`) answers
   * UNIMPLEMENTED; anything else is taken as yes, and the schedule call itself says what is wrong.
   */
  public boolean hasSchedules() {
    try {
      stubs.blockingStub().withDeadlineAfter(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).listSchedules(
          io.temporal.api.workflowservice.v1.ListSchedulesRequest.newBuilder().setNamespace(namespace)
              .setMaximumPageSize(1).build());
      return true;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() != Status.Code.UNIMPLEMENTED;
    }
  }

  /** A client for Schedules in this connection's namespace. */
  public io.temporal.client.schedules.ScheduleClient schedules() {
    return io.temporal.client.schedules.ScheduleClient.newInstance(stubs,
        io.temporal.client.schedules.ScheduleClientOptions.newBuilder().setNamespace(namespace).build());
  }

  public WorkflowServiceStubs stubs() {
    return stubs;
  }

  public String address() {
    return address;
  }

  public String namespace() {
    return namespace;
  }

  /** Ends the channel and its event loop thread, waiting at most a second for each. */
  @Override
  public void close() {
    stubs.shutdownNow();
    stubs.awaitTermination(1, TimeUnit.SECONDS);
    eventLoop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
  }
}
