package org.fleetupgrade.worker.metrics;

import com.uber.m3.tally.Scope;
import io.temporal.client.WorkflowClient;
import java.time.Duration;

/**
 * What `worker --metrics-port` (and `dev --metrics-port`) runs: the registry, its HTTP endpoint and
 * the gauges read from Temporal, started and stopped together. Port 0: nothing at all.
 */
public final class MetricsEndpoint implements AutoCloseable {

  private final WorkerMetrics metrics;
  private final MetricsServer server;
  private UpgradeGauges gauges;

  private MetricsEndpoint(WorkerMetrics metrics, MetricsServer server) {
    this.metrics = metrics;
    this.server = server;
  }

  /** Serves /metrics on {@code port} (0: none); a port in use or out of range is bad input naming {@code option}. */
  public static MetricsEndpoint serve(int port, String option) {
    if (MetricsServer.checkPort(port, option) == 0) {
      return new MetricsEndpoint(null, null);
    }
    WorkerMetrics metrics = new WorkerMetrics();
    try {
      return new MetricsEndpoint(metrics, MetricsServer.start(metrics, port, option));
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
  }

  /** For the service stubs; null when metrics are off. */
  public Scope scope() {
    return metrics == null ? null : metrics.scope();
  }

  /** Starts reading the upgrades' gauges through {@code client} every {@code interval}. */
  public void watch(WorkflowClient client, Duration interval) {
    if (metrics != null && gauges == null) {
      gauges = new UpgradeGauges(client, metrics.registry(), interval).start();
    }
  }

  public boolean on() {
    return server != null;
  }

  public int port() {
    return server == null ? 0 : server.port();
  }

  /** Stops reading, stops serving, and reports what the scope still held. */
  @Override
  public void close() {
    if (gauges != null) {
      gauges.close();
    }
    if (server != null) {
      server.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }
}
