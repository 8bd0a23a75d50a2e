package org.fleetupgrade.worker.engine;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.worker.cli.BadInputException;

/**
 * The embedded Temporal engine on a TCP port for `dev`: the Temporal test server with real time
 * (time skipping locked, so a soak takes as long as it says) and our search attributes registered.
 */
public final class DevServer implements Closeable {

  private final Closeable server;
  private final int port;

  private DevServer(Closeable server, int port) {
    this.server = server;
    this.port = port;
  }

  public static DevServer start(int port) {
    if (port < 1 || port > 65535) {
      throw new BadInputException("--port must be between 1 and 65535 (got " + port + ")");
    }
    try (ServerSocket probe = new ServerSocket(port)) {
      probe.setReuseAddress(true);
    } catch (IOException e) {
      throw new BadInputException("port " + port + " is in use (" + e.getMessage() + "): choose another with --port");
    }
    Closeable server = TestServer.createPortBoundServer(port, true);
    DevServer dev = new DevServer(server, port);
    dev.registerSearchAttributes();
    return dev;
  }

  private void registerSearchAttributes() {
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setTarget(address()).validateAndBuildWithDefaults());
    try {
      AddSearchAttributesRequest.Builder request = AddSearchAttributesRequest.newBuilder().setNamespace("default");
      SearchAttributes.ALL.forEach(k -> request.putSearchAttributes(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
      operator.blockingStub().addSearchAttributes(request.build());
    } finally {
      operator.shutdown();
    }
  }

  public String address() {
    return "localhost:" + port;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
