package org.fleetupgrade.worker.cli;

import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
      awaitShutdown(() -> {
        factory.shutdown();
        factory.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      });
      return Main.OK;
    }
  }

  interface Shutdown {
    void run() throws Exception;
  }

  /** Blocks until SIGINT/SIGTERM, then runs {@code shutdown} before the JVM exits. */
  static void awaitShutdown(Shutdown shutdown) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopped.countDown();
      try {
        done.await(40, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "fleet-upgrade-shutdown"));
    stopped.await();
    System.out.println("stopping...");
    try {
      shutdown.run();
    } catch (Exception e) {
      System.err.println("fleet-upgrade: unclean shutdown: " + e.getMessage());
    } finally {
      System.out.println("stopped");
      done.countDown();
    }
  }
}
