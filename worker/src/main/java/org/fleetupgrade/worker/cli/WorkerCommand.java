package org.fleetupgrade.worker.cli;

import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.FleetActivities;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.engine.TemporalConnection;
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

  @Override
  public Integer call() throws InterruptedException {
    FleetConfig fleet = ConfigCommand.load(config);
    List<Object> activities = FleetActivities.forConfig(fleet, fault -> System.err.println("injected: " + fault));
    try (TemporalConnection temporal = global.connect(fleet.temporal().address(), fleet.temporal().namespace())) {
      WorkerFactory factory = WorkerFactory.newInstance(temporal.client());
      FleetWorker.register(factory, fleet.temporal().taskQueue(), activities);
      factory.start();
      System.out.println("worker on " + temporal.address() + ", namespace " + temporal.namespace() + ", task queue "
          + fleet.temporal().taskQueue() + "; stop with Ctrl-C or SIGTERM");
      GracefulStop.jvm().await(() -> {
        factory.shutdown();
        factory.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      });
      return Main.OK;
    }
  }
}
