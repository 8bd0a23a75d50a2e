package org.fleetupgrade.worker.metrics;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import java.util.Arrays;
import org.fleetupgrade.metrics.UpgradeMetrics;

/**
 * A worker's metrics, in one Prometheus registry: the Temporal SDK's (its tally scope, set on the
 * service stubs, reported through {@link MicrometerClientStatsReporter}), the upgrade's own counters
 * and timers (workflow code, through the same scope: {@link UpgradeMetrics}), the gauges read from
 * Temporal ({@link UpgradeGauges}) and the JVM's.
 */
public final class WorkerMetrics implements AutoCloseable {

  /** How often the tally scope hands what it counted to the registry. */
  public static final Duration REPORT_EVERY = Duration.ofSeconds(1);

  private final PrometheusMeterRegistry registry;
  private final Scope scope;

  public WorkerMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(upgradeBuckets());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    scope = new RootScopeBuilder()
        .reporter(new MicrometerClientStatsReporter(registry))
        .reportEvery(com.uber.m3.util.Duration.ofMillis(REPORT_EVERY.toMillis()));
  }

  /** For {@code WorkflowServiceStubsOptions.setMetricsScope}: the SDK's metrics and the workflows'. */
  public Scope scope() {
    return scope;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Everything, in Prometheus' text format (0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * The SDK's reporter gives every timer a percentile histogram over Micrometer's default range
   * (1 ms to 30 s): a reboot of ten minutes or a soak of a week would all land in +Inf. The
   * upgrade's timers get buckets on their own scale instead.
   */
  static MeterFilter upgradeBuckets() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        Duration[] buckets = switch (id.getName()) {
          case UpgradeMetrics.STEP_DURATION -> new Duration[] {Duration.ofSeconds(10), Duration.ofMinutes(1),
              Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1),
              Duration.ofHours(2), Duration.ofHours(6), Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(3)};
          case UpgradeMetrics.NODE_REBOOT_DURATION -> new Duration[] {Duration.ofMinutes(1), Duration.ofMinutes(2),
              Duration.ofMinutes(3), Duration.ofMinutes(5), Duration.ofMinutes(7), Duration.ofMinutes(10),
              Duration.ofMinutes(15), Duration.ofMinutes(20), Duration.ofMinutes(30), Duration.ofMinutes(45),
              Duration.ofHours(1), Duration.ofHours(2)};
          case UpgradeMetrics.GATE_WAIT -> new Duration[] {Duration.ofMinutes(1), Duration.ofMinutes(10),
              Duration.ofHours(1), Duration.ofHours(6), Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(3),
              Duration.ofDays(7), Duration.ofDays(14)};
          default -> null;
        };
        if (buckets == null) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .percentilesHistogram(false)
            .serviceLevelObjectives(Arrays.stream(buckets).mapToDouble(Duration::toNanos).toArray())
            .build()
            .merge(config);
      }
    };
  }

  /** Reports what the scope still holds, then closes the registry. */
  @Override
  public void close() {
    try {
      scope.close();
    } catch (com.uber.m3.tally.ScopeCloseException e) {
      // what it held is lost with the process anyway
    }
    registry.close();
  }
}
