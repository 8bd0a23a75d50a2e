package org.fleetupgrade.worker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.status.Text;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;
import org.fleetupgrade.worker.cli.PendingSteps.PendingStep;
import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show where an upgrade stands: stages, node convergence, gate and deadline, what blocks it.")
public class StatusCommand implements Callable<Integer> {

  /** The mapper for `--json`, made on first use: `status` and `review` without it need none. */
  static ObjectMapper json() {
    return Json.MAPPER;
  }

  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);
  }

  @Mixin
  GlobalOptions global;

  @Parameters(paramLabel = "ID", description = "upgrade id (fleet-upgrade-v1.31.2) or just the version (v1.31.2)")
  String id;

  @Option(names = "--json", description = "the full snapshot as JSON, for scripts")
  boolean json;

  @Option(names = "--watch", description = "refresh until the upgrade finishes: in place on a terminal, appended when piped")
  boolean watch;

  @Option(names = "--interval", defaultValue = "5s", paramLabel = "DURATION",
      description = "refresh interval for --watch, 1s to 1h (default ${DEFAULT-VALUE})")
  String interval;

  static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  static final Duration MAX_INTERVAL = Duration.ofHours(1);

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

  /** The --interval: a duration from 1s to 1h; anything else is bad input, before anything connects. */
  static Duration interval(String text) {
    Duration every = DurationOption.parse("--interval", text);
    if (every.compareTo(MIN_INTERVAL) < 0 || every.compareTo(MAX_INTERVAL) > 0) {
      throw new BadInputException("--interval: must be from " + Text.duration(MIN_INTERVAL) + " to "
          + Text.duration(MAX_INTERVAL) + " (got " + text.trim() + ")");
    }
    return every;
  }

  /** The snapshot with what Temporal runs now ({@code pendingActivities}), for scripts. */
  static String jsonSnapshot(FleetStatus status, List<PendingStep> pending) throws JsonProcessingException {
    ObjectNode node = json().valueToTree(status);
    node.set("pendingActivities", json().valueToTree(pending));
    return json().writeValueAsString(node);
  }

  @Override
  public Integer call() throws Exception {
    if (events < 0) {
      throw new BadInputException("--events: must be 0 or more (got " + events + ")");
    }
    String workflowId = Upgrades.workflowId(id);
    Duration every = interval(interval);
    try (TemporalConnection temporal = global.connect()) {
      DescribeWorkflowExecutionResponse described = temporal.requireWorkerFor(workflowId); // the first round's
      String connection = Hints.connection(temporal.address(), temporal.namespace());
      WatchScreen screen = new WatchScreen(System.out, watch && WatchScreen.onTerminal());
      while (true) {
        WorkflowExecutionDescription upgrade = Upgrades.describe(temporal.client(), workflowId, connection, described);
        described = null; // each later round asks afresh
        FleetStatus status = Upgrades.status(temporal.client(), workflowId, upgrade);
        List<PendingStep> pending = PendingSteps.of(temporal.stubs(), temporal.namespace(), status,
            upgrade.getRawDescription());
        String block;
        if (json) {
          block = jsonSnapshot(status, pending) + "\n";
        } else {
          Instant now = Instant.now();
          block = StatusTable.render(status, pending, now, events, connection);
          if (status.gate() != null && status.gate().phase() == org.fleetupgrade.status.GatePhase.WAITING_SCHEDULE) {
            block += ScheduleCommand.statusLine(temporal) + "\n";
          }
          RolloutProgress rollout = rollout(temporal.client(), status);
          if (rollout != null) {
            block += StatusTable.rollout(status.currentStage(), rollout, now);
          }
        }
        if (!watch || status.state().finished()) {
          screen.show(block, null);
          return Main.OK;
        }
        screen.show(block, "-- " + StatusTable.CLOCK.format(Instant.now()) + ", refreshing every " + Text.duration(every)
            + "; Ctrl-C to stop watching (the upgrade goes on) --");
        TimeUnit.MILLISECONDS.sleep(every.toMillis());
      }
    }
  }
}
