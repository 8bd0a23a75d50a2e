package org.fleetupgrade.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import io.temporal.client.WorkflowClient;
import org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;
import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import org.fleetupgrade.status.Text;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show where an upgrade stands: stages, node convergence, gate and deadline, what blocks it.")
public class StatusCommand implements Callable<Integer> {

  static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

  @Mixin
  GlobalOptions global;

  @Parameters(paramLabel = "ID", description = "upgrade id (fleet-upgrade-v1.31.2) or just the version (v1.31.2)")
  String id;

  @Option(names = "--json", description = "the full snapshot as JSON, for scripts")
  boolean json;

  @Option(names = "--watch", description = "refresh until the upgrade finishes")
  boolean watch;

  @Option(names = "--interval", defaultValue = "5s", paramLabel = "DURATION", description = "refresh interval for --watch (default ${DEFAULT-VALUE})")
  String interval;

  @Option(names = "--events", defaultValue = "10", description = "how many recent events to show, 0 for none"
      + " (default ${DEFAULT-VALUE})")
  int events;

  /**
   * The current stage's rolling reboot as its own workflow tells it (every node in flight, failed,
   * ETA, kured's lock), else the bounded copy the stage keeps; null when none runs.
   */
  static RolloutProgress rollout(WorkflowClient client, FleetStatus status) {
    if (status.currentStage() == null || status.state().finished()) {
      return null;
    }
    StageStatus stage = status.stage(status.currentStage());
    if (stage == null || !"reboot".equals(stage.step())) {
      return null;
    }
    try {
      return client.newWorkflowStub(NodeRolloutWorkflow.class,
          StageUpgradeWorkflow.workflowId(status.upgradeId(), stage.name()) + "/rollout").progress();
    } catch (RuntimeException notThereOrOlder) {
      // Not started yet, between runs, or from before the sliding window: what it last told its stage.
      return stage.reboot();
    }
  }

  @Override
  public Integer call() throws Exception {
    if (events < 0) {
      throw new BadInputException("--events: must be 0 or more (got " + events + ")");
    }
    String workflowId = Upgrades.workflowId(id);
    Duration every = DurationOption.parse("--interval", interval);
    try (TemporalConnection temporal = global.connect()) {
      temporal.requireWorkerFor(workflowId);
      while (true) {
        FleetStatus status = Upgrades.status(temporal.client(), workflowId);
        if (json) {
          System.out.println(JSON.writeValueAsString(status));
        } else {
          System.out.print(StatusTable.render(status, Instant.now(), events));
          RolloutProgress rollout = rollout(temporal.client(), status);
          if (rollout != null) {
            System.out.print(StatusTable.rollout(status.currentStage(), rollout, Instant.now()));
          }
        }
        if (!watch || status.state().finished()) {
          return Main.OK;
        }
        System.out.println("-- refreshing every " + Text.duration(every) + "; Ctrl-C to stop watching (the upgrade goes on) --\n");
        TimeUnit.MILLISECONDS.sleep(every.toMillis());
      }
    }
  }
}
