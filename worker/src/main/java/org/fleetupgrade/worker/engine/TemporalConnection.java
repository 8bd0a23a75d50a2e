package org.fleetupgrade.worker.engine;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.time.Duration;
import javax.net.ssl.SSLException;
import org.fleetupgrade.worker.cli.BadInputException;

/**
 * A checked connection to a Temporal frontend: the server answered its health check before any
 * command uses it, so an unreachable address is one clear line, not a stack trace or a hang.
 */
public final class TemporalConnection implements AutoCloseable {

  /** How long a command waits for the server to answer before calling the address unreachable. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;
  private final String address;
  private final String namespace;

  private TemporalConnection(WorkflowServiceStubs stubs, String address, String namespace) {
    this.stubs = stubs;
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

  public static TemporalConnection open(String address, String namespace, Tls tls) {
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (tls.used()) {
      options.setSslContext(sslContext(tls));
    }
    try {
      return new TemporalConnection(
          WorkflowServiceStubs.newConnectedServiceStubs(options.build(), CONNECT_TIMEOUT), address, namespace);
    } catch (RuntimeException e) {
      throw new BadInputException("cannot reach Temporal at " + address + " (namespace " + namespace + "): "
          + rootMessage(e) + ". Is the server running? Set --address or TEMPORAL_ADDRESS.");
    }
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

  public WorkflowServiceStubs stubs() {
    return stubs;
  }

  public String address() {
    return address;
  }

  public String namespace() {
    return namespace;
  }

  @Override
  public void close() {
    stubs.shutdown();
  }
}
