package org.fleetupgrade.worker.cli;

import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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

  /**
   * How long the worker's in-flight activities get when it stops (SIGTERM: a redeploy, a drained
   * node). Not a 45-minute script's length: a step still running when the worker ends is given to
   * another worker by Temporal, after its heartbeat timeout, and is idempotent (a script still
   * running on its host keeps the retry out with the host's lock). What must not be cut short is a
   * cancellation under way: a cancelled or timed-out script is stopped on its host (SIGTERM, up to
   * 30 s, SIGKILL) over a second SSH connection, which SshExecutor bounds at 30 s + the SSH connect
   * timeout (30 s in config/fleet.yaml) + 10 s = 70 s; and short steps finish and report. It stays within the heartbeat: after
   * the shutdown begins no heartbeat goes out (the SDK's graceful shutdown), and the server times a
   * step out 2 minutes after its last heartbeat, at most 20 s before the signal: 100 s after it a
   * retry may start elsewhere, and this worker must not still run the step then.
   */
  public static final Duration ACTIVITY_GRACE = Duration.ofSeconds(70);

  /**
   * The whole stop: the activities' grace, then closing the connection to Temporal. Past it the
   * worker exits 1. k8s/worker.yaml's terminationGracePeriodSeconds exceeds it (a test checks), so
   * the worker ends on its own, logging how, before the kubelet's SIGKILL.
   */
  public static final Duration STOP_LIMIT = ACTIVITY_GRACE.plusSeconds(10);

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
      GracefulStop.jvm(STOP_LIMIT).await(() -> {
        factory.shutdown();
        factory.awaitTermination(ACTIVITY_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      });
      return Main.OK;
    }
  }
}
