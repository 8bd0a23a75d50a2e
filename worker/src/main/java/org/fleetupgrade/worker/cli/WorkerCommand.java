package org.fleetupgrade.worker.cli;

import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.FleetActivities;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.engine.TemporalConnection;
import org.fleetupgrade.worker.metrics.MetricsEndpoint;
import org.fleetupgrade.worker.metrics.MetricsServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Run a worker against a Temporal server (TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE) until stopped.")
public class WorkerCommand implements Callable<Integer> {

  @Mixin
  GlobalOptions global;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "fleet config")
  Path config;

  @Option(names = "--metrics-port", defaultValue = "" + MetricsServer.DEFAULT_PORT, paramLabel = "PORT",
      description = "serve Prometheus metrics at :PORT/metrics on every interface (default ${DEFAULT-VALUE}; 0: none)")
  int metricsPort;

  @Option(names = "--metrics-interval", defaultValue = "15s", paramLabel = "DURATION",
      description = "how often the upgrades' gauges are read from Temporal (default ${DEFAULT-VALUE})")
  String metricsInterval;

  @Override
  public Integer call() throws InterruptedException {
    FleetConfig fleet = ConfigCommand.load(config);
    Duration interval = DurationOption.parse("--metrics-interval", metricsInterval);
    List<Object> activities = FleetActivities.forConfig(fleet, fault -> System.err.println("injected: " + fault));
    try (MetricsEndpoint metrics = MetricsEndpoint.serve(metricsPort, "--metrics-port");
        TemporalConnection temporal = global.connect(fleet.temporal().address(), fleet.temporal().namespace(),
            metrics.scope())) {
      WorkerFactory factory = WorkerFactory.newInstance(temporal.client());
      FleetWorker.register(factory, fleet.temporal().taskQueue(), activities);
      factory.start();
      metrics.watch(temporal.client(), interval);
      System.out.println("worker on " + temporal.address() + ", namespace " + temporal.namespace() + ", task queue "
          + fleet.temporal().taskQueue() + (metrics.on() ? ", metrics on :" + metrics.port() + MetricsServer.PATH
              : ", no metrics") + "; stop with Ctrl-C or SIGTERM");
      GracefulStop.jvm().await(() -> {
        factory.shutdown();
        factory.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      });
      return Main.OK;
    }
  }
}
