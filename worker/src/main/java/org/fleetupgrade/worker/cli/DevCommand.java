package org.fleetupgrade.worker.cli;

import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.DevServer;
import org.fleetupgrade.worker.engine.FleetActivities;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.engine.TemporalConnection;
import org.fleetupgrade.worker.metrics.MetricsEndpoint;
import org.fleetupgrade.worker.metrics.MetricsServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dev", mixinStandardHelpOptions = true,
    description = "Embedded Temporal engine on a port plus a worker over a simulated fleet; stays up until Ctrl-C.")
public class DevCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "7233", description = "port of the embedded engine (default ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--config", paramLabel = "FILE", description = "a simulated fleet config (default: the bundled demo.yaml)")
  Path config;

  @Option(names = "--metrics-port", defaultValue = "0", paramLabel = "PORT",
      description = "serve Prometheus metrics at :PORT/metrics, as `worker` does (default ${DEFAULT-VALUE}: none)")
  int metricsPort;

  @Option(names = "--metrics-interval", defaultValue = "15s", paramLabel = "DURATION",
      description = "how often the upgrades' gauges are read (default ${DEFAULT-VALUE})")
  String metricsInterval;

  @Override
  public Integer call() throws Exception {
    FleetConfig fleet = ConfigCommand.loadOrDemo(config);
    Duration interval = DurationOption.parse("--metrics-interval", metricsInterval);
    MetricsServer.checkPort(metricsPort, "--metrics-port");
    List<Object> activities = FleetActivities.forConfig(fleet, fault -> System.out.println("injected: " + fault));
    DevServer server = DevServer.start(port);
    MetricsEndpoint metrics;
    try {
      metrics = MetricsEndpoint.serve(metricsPort, "--metrics-port");
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    TemporalConnection temporal = TemporalConnection.open(server.address(), "default", TemporalConnection.Tls.NONE,
        metrics.scope());
    WorkerFactory factory = WorkerFactory.newInstance(temporal.client());
    FleetWorker.register(factory, fleet.temporal().taskQueue(), activities);
    factory.start();
    metrics.watch(temporal.client(), interval);
    System.out.println("fleet-upgrade dev: Temporal on " + server.address() + " (namespace default), worker on task queue "
        + fleet.temporal().taskQueue() + ", simulated fleet " + fleet.stageNames() + " from " + fleet.source()
        + (metrics.on() ? ", metrics on :" + metrics.port() + MetricsServer.PATH : ""));
    System.out.println(startHint(config, server.address()));
    System.out.println("stop with Ctrl-C or SIGTERM");
    System.out.flush();
    GracefulStop.jvm().await(() -> {
      factory.shutdown();
      factory.awaitTermination(10, TimeUnit.SECONDS);
      metrics.close();
      temporal.close();
      server.close();
    });
    return Main.OK;
  }

  /**
   * What to run next against this engine: the config dev runs (start must name the same stages) and,
   * off the default port, its address. Without --config dev runs the bundled demo.yaml, a copy of the
   * repository's config/demo.yaml.
   */
  static String startHint(Path config, String address) {
    String connection = Hints.connection(address, Hints.DEFAULT_NAMESPACE);
    String file = config != null ? config.toString() : "config/demo.yaml";
    String hint = "try: " + Hints.command("start --config " + Hints.shell(file) + " --kubernetes v1.31.2", connection)
        + "\n  then: " + Hints.command("status v1.31.2 --watch", connection);
    if (config == null && !java.nio.file.Files.isRegularFile(Path.of(file))) {
      hint += "\n  (config/demo.yaml is in the repository; dev runs the copy bundled in the jar)";
    }
    return hint;
  }
}
