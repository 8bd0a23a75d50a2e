package org.fleetupgrade.worker.cli;

import java.util.concurrent.Callable;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * acknowledge, approve, pause, resume, retry, skip, abort: each one validated Update to the upgrade workflow.
 * A rejected update changed nothing and exits 2 with the workflow's reason.
 */
final class OperatorCommands {

  private OperatorCommands() {}

  abstract static class OperatorCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Parameters(index = "0", paramLabel = "ID", description = "upgrade id (fleet-upgrade-v1.31.2) or just the version")
    String id;

    abstract String send(FleetUpgradeWorkflow upgrade);

    @Override
    public Integer call() {
      String workflowId = Upgrades.workflowId(id);
      try (TemporalConnection temporal = global.connect()) {
        var described = Upgrades.describe(temporal.client(), workflowId,
            Hints.connection(temporal.address(), temporal.namespace()), temporal.requireWorkerFor(workflowId));
        FleetUpgradeWorkflow upgrade = Upgrades.stub(temporal.client(), workflowId);
        System.out.println(workflowId + ": " + Upgrades.update(temporal.client(), workflowId, described,
            () -> send(upgrade)));
        return Main.OK;
      }
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Promote a stage that has soaked and waits for approval to the next stage.")
  static class Approve extends OperatorCommand {
    @Parameters(index = "1", paramLabel = "STAGE", description = "the stage waiting at its gate, e.g. staging")
    String stage;

    @Option(names = "--reason", required = true, description = "why (recorded in the upgrade's history)")
    String reason;

    @Override
    String send(FleetUpgradeWorkflow upgrade) {
      return upgrade.approve(stage, reason);
    }
  }

  @Command(name = "acknowledge", mixinStandardHelpOptions = true,
      description = "Confirm the changelog review was read (`fleet-upgrade review` or `status`); the first stage then starts.")
  static class Acknowledge extends OperatorCommand {
    @Option(names = "--reason", required = true, description = "what was read and why it is fine (recorded)")
    String reason;

    @Override
    String send(FleetUpgradeWorkflow upgrade) {
      return upgrade.acknowledge(reason);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Stop before the next step; the running step finishes and no new reboot wave starts.")
  static class Pause extends OperatorCommand {
    @Option(names = "--reason", description = "why (recorded)")
    String reason;

    @Override
    String send(FleetUpgradeWorkflow upgrade) {
      return upgrade.pause(reason);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Continue a paused upgrade.")
  static class Resume extends OperatorCommand {
    @Option(names = "--reason", description = "why (recorded)")
    String reason;

    @Override
    String send(FleetUpgradeWorkflow upgrade) {
      return upgrade.resume(reason);
    }
  }

  @Command(name = "retry", mixinStandardHelpOptions = true, description = "Run the BLOCKED step again.")
  static class Retry extends OperatorCommand {
    @Option(names = "--reason", description = "what was fixed (recorded)")
    String reason;

    @Override
    String send(FleetUpgradeWorkflow upgrade) {
      return upgrade.retry(reason);
    }
  }

  @Command(name = "skip", mixinStandardHelpOptions = true,
      description = "Go past the BLOCKED step, named as `status` shows it; the reason is recorded.")
  static class Skip extends OperatorCommand {
    @Parameters(index = "1", paramLabel = "STEP", description = "the blocked step, e.g. verify:api-platform-cluster-us-east1-c")
    String step;

    @Option(names = "--reason", required = true, description = "why it is safe to skip (recorded)")
    String reason;

    @Override
    String send(FleetUpgradeWorkflow upgrade) {
      return upgrade.skip(step, reason);
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true,
      description = "Stop the upgrade: the running step is cancelled, nothing further starts.")
  static class Abort extends OperatorCommand {
    @Option(names = "--reason", required = true, description = "why (recorded)")
    String reason;

    @Override
    String send(FleetUpgradeWorkflow upgrade) {
      return upgrade.abort(reason);
    }
  }
}
