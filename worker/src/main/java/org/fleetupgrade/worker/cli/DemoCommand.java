package org.fleetupgrade.worker.cli;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.FleetActivities;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.engine.UpgradeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole cadence on the embedded engine against the simulated fleet, with soaks compressed by
 * time skipping: transitions print as they happen, the demo approves the approval gate as an
 * operator would, and a summary table closes it. Exits 0 when the upgrade completed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a whole staged upgrade of a simulated fleet on an embedded engine, then exit.")
public class DemoCommand implements Callable<Integer> {

  /** Test time a look at the status lets pass: small while steps run, large while a gate waits. */
  private static final Duration WHILE_RUNNING = Duration.ofSeconds(5);
  private static final Duration WHILE_WAITING = Duration.ofHours(1);
  private static final Duration WALL_LIMIT = Duration.ofMinutes(5);

  @Option(names = "--config", paramLabel = "FILE", description = "a simulated fleet config (default: the bundled demo.yaml)")
  Path config;

  @Option(names = "--kubernetes", defaultValue = "v1.31.2", paramLabel = "vX.Y.Z", description = "target (default ${DEFAULT-VALUE})")
  String kubernetes;

  @Option(names = "--allow-prerelease", description = "allow a target newer than the latest stable release"
      + " (the simulated one: simulation.latestStable)")
  boolean allowPrerelease;

  @Override
  public Integer call() {
    FleetConfig fleet = ConfigCommand.loadOrDemo(config);
    TargetVersions target = targetVersions(fleet);
    SimulatedFleet simulated = FleetActivities.simulatedFleet(fleet,
        fault -> System.out.println("  !! " + fault + ": Temporal retries the activity"));
    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder();
    SearchAttributes.ALL.forEach(k -> options.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    long wallStart = System.nanoTime();
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(options.build())) {
      FleetWorker.register(env.getWorkerFactory(), fleet.temporal().taskQueue(), FleetActivities.forFleet(fleet, simulated));
      env.start();
      UpgradeRequest asked = fleet.request(target, List.of());
      // The same review as `start`: a target a real fleet would refuse is refused here too (exit 2).
      UpgradeRequest reviewed = new UpgradeRequest(asked.target(), asked.stages(), false, allowPrerelease);
      // The embedded engine has no Schedules: a scheduled gate waits for its weekly time as a window.
      UpgradeRequest request = reviewed.hasScheduledGate()
          ? StartCommand.withoutSchedules(fleet, reviewed, "(embedded)") : reviewed;
      UpgradeArguments.review(env.getWorkflowClient(), fleet.temporal().taskQueue(), request);
      System.out.println("fleet-upgrade demo: " + target + " across " + fleet.stageNames() + " ("
          + simulated.platformNodes(fleet.stageNames().get(fleet.stageNames().size() - 1)).size()
          + " platform nodes in the last stage), embedded engine with time skipping\n");
      FleetUpgradeWorkflow upgrade = env.getWorkflowClient().newWorkflowStub(FleetUpgradeWorkflow.class,
          UpgradeOptions.of(request, fleet.temporal().taskQueue()));
      WorkflowClient.start(upgrade::run, request);
      FleetStatus last = follow(env, upgrade, wallStart);
      System.out.println("\n" + StatusTable.render(last, Instant.ofEpochMilli(env.currentTimeMillis()), 0));
      long seconds = Duration.ofNanos(System.nanoTime() - wallStart).toSeconds();
      System.out.println("injected faults fired: " + simulated.faultsFired("upgrade") + " at upgrade (retried by Temporal, no stage blocked)");
      System.out.println("demo finished in " + seconds + "s wall time: " + last.state());
      return last.state() == FleetState.COMPLETED ? Main.OK : Main.FAILED;
    }
  }

  /** Prints each new timeline event; approves a waiting approval gate, as an operator would. */
  private static FleetStatus follow(TestWorkflowEnvironment env, FleetUpgradeWorkflow upgrade, long wallStart) {
    int printed = 0;
    while (true) {
      FleetStatus status = upgrade.status();
      for (int i = Math.max(0, printed - status.timelineDropped()); i < status.timeline().size(); i++) {
        System.out.println(StatusTable.event(status.timeline().get(i)));
      }
      printed = status.timeline().size() + status.timelineDropped();
      if (status.state().finished()) {
        return status;
      }
      if (status.gate() != null && status.gate().phase() == GatePhase.WAITING_ACKNOWLEDGEMENT) {
        System.out.println("\n  the changelog review needs a person:");
        status.review().urgentNotes().forEach(n -> System.out.println("    [" + n.release() + "] " + n.text()));
        String reason = "demo: urgent notes read, none applies to this fleet";
        System.out.println("  $ fleet-upgrade acknowledge " + status.upgradeId() + " --reason \"" + reason + "\"");
        System.out.println("  " + upgrade.acknowledge(reason) + "\n");
        continue;
      }
      if (status.gate() != null && status.gate().phase() == GatePhase.WAITING_APPROVAL) {
        String reason = "demo: no alerts during the soak";
        System.out.println("\n  $ fleet-upgrade approve " + status.upgradeId() + " " + status.gate().stage()
            + " --reason \"" + reason + "\"");
        System.out.println("  " + upgrade.approve(status.gate().stage(), reason) + "\n");
        continue;
      }
      if (status.state() == FleetState.BLOCKED) {
        throw new OperationFailedException("the demo upgrade blocked at " + status.blockedStep() + ": " + status.lastError());
      }
      if (Duration.ofNanos(System.nanoTime() - wallStart).compareTo(WALL_LIMIT) > 0) {
        throw new OperationFailedException("the demo did not finish within " + org.fleetupgrade.status.Text.duration(WALL_LIMIT));
      }
      env.sleep(status.gate() != null ? WHILE_WAITING : WHILE_RUNNING);
    }
  }

  private TargetVersions targetVersions(FleetConfig fleet) {
    try {
      return TargetVersions.parse(kubernetes, fleet.versions().cni(), fleet.versions().crictl());
    } catch (RuntimeException e) {
      throw new BadInputException(e.getMessage());
    }
  }
}
