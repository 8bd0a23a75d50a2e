package org.fleetupgrade.controlplane;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A local HTTP server answering Compute Engine's instance paths, for the real InstancesClient. */
public final class LocalCompute implements AutoCloseable {

  private final HttpServer server;
  private final Map<String, String> instances = new ConcurrentHashMap<>();

  public LocalCompute() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String body = instances.get(exchange.getRequestURI().getPath());
      int status = body == null ? 404 : 200;
      if (body == null) {
        body = "{\"error\": {\"code\": 404, \"message\": \"The resource was not found\", \"status\": \"NOT_FOUND\"}}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** A control-plane VM api-platform-cluster-ZONE in {@code project}; a null natIp leaves out its external address. */
  public void instance(String project, String zone, String status, String internalIp, String natIp) {
    String name = "api-platform-cluster-" + zone;
    String access = natIp == null ? "" : ", \"accessConfigs\": [{\"name\": \"external-nat\", \"natIP\": \"" + natIp + "\"}]";
    instances.put("/compute/v1/projects/" + project + "/zones/" + zone + "/instances/" + name, """
        {"kind": "compute#instance", "name": "%s", "status": "%s",
         "zone": "https://www.googleapis.com/compute/v1/projects/%s/zones/%s",
         "networkInterfaces": [{"network": "global/networks/default", "networkIP": "%s"%s}]}
        """.formatted(name, status, project, zone, internalIp, access));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
