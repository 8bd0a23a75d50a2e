package org.fleetupgrade.worker.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.fleetupgrade.worker.cli.BadInputException;

/**
 * Serves {@code GET /metrics} in Prometheus' text format on every interface of a port (in a pod,
 * Prometheus scrapes the pod's address). Anything else is 404, a method other than GET or HEAD 405.
 */
public final class MetricsServer implements AutoCloseable {

  /** The worker's default port (OpenTelemetry's Prometheus exporter uses it too). */
  public static final int DEFAULT_PORT = 9464;
  public static final String PATH = "/metrics";
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code port} (1-65535) on all interfaces and serves {@code metrics}; a port in use or out
   * of range is bad input naming {@code option}.
   */
  public static MetricsServer start(WorkerMetrics metrics, int port, String option) {
    return start(metrics, new InetSocketAddress(checkPort(port, option)), option);
  }

  /** As {@link #start(WorkerMetrics, int, String)}, on one address (tests: 127.0.0.1, a free port). */
  public static MetricsServer start(WorkerMetrics metrics, InetSocketAddress address, String option) {
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new BadInputException(option + ": cannot serve metrics on port " + address.getPort() + " ("
          + e.getMessage() + "): choose another port, or 0 for none");
    }
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fleet-upgrade-metrics-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> serve(exchange, metrics));
    server.start();
    return new MetricsServer(server, executor);
  }

  /** 0 (none) or a TCP port; anything else is bad input naming {@code option}. */
  public static int checkPort(int port, String option) {
    if (port < 0 || port > 65535) {
      throw new BadInputException(option + " must be a port from 1 to 65535, or 0 for none (got " + port + ")");
    }
    return port;
  }

  private static void serve(HttpExchange exchange, WorkerMetrics metrics) throws IOException {
    try (exchange) {
      if (!PATH.equals(exchange.getRequestURI().getPath())) {
        reply(exchange, 404, "text/plain; charset=utf-8", "not found: metrics are at " + PATH + "\n");
        return;
      }
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        reply(exchange, 405, "text/plain; charset=utf-8", "use GET\n");
        return;
      }
      reply(exchange, 200, CONTENT_TYPE, method.equals("HEAD") ? null : metrics.scrape());
    }
  }

  private static void reply(HttpExchange exchange, int code, String contentType, String body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if (body == null) {
      exchange.sendResponseHeaders(code, -1);
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
