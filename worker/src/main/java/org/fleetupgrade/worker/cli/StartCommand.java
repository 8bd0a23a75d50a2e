package org.fleetupgrade.worker.cli;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.preflight.UpgradeReview;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.TemporalConnection;
import org.fleetupgrade.worker.engine.UpgradeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.fleetupgrade.status.Text;

/**
 * Starts an upgrade after checking everything that can be checked first: the config, the versions,
 * the stages, the server, and the review (each stage's current version and the changelog, asked of
 * the worker), which rejects a downgrade, a skipped minor (showing the path) or an unreleased
 * target. Starting a version that is already running reports that upgrade instead of a second one
 * (and how it differs from what was asked). Starting it again after a run that ended unfinished
 * (aborted, failed, terminated) starts a new run that carries what that one established.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
    description = "Start an upgrade of the fleet to a Kubernetes version, stage by stage.")
public class StartCommand implements Callable<Integer> {

  @Mixin
  GlobalOptions global;

  @Mixin
  UpgradeArguments upgrade;

  @Option(names = "--acknowledge", description = "I have read the review (`fleet-upgrade review`): do not wait for acknowledge")
  boolean acknowledge;

  @Option(names = "--dry-run", description = "check everything and print the plan; start nothing")
  boolean dryRun;

  @Option(names = "--images-tag", paramLabel = "vX.Y.Z", description = "the boot images' release tag for a stage built"
      + " from a tag (production); default: the next patch after epoxy-images' highest vX.Y.Z tag")
  String imagesTag;

  private static final java.util.regex.Pattern RELEASE_TAG = java.util.regex.Pattern.compile("v\\d{1,6}\\.\\d{1,6}\\.\\d{1,6}");

  /** An epoxy-images release tag, or null; anything else is bad input. */
  static String imagesTag(String tag) {
    if (tag != null && !RELEASE_TAG.matcher(tag).matches()) {
      throw new BadInputException("--images-tag: '" + tag + "' is not a release tag vX.Y.Z (e.g. v2.4.31)");
    }
    return tag;
  }

  @Override
  public Integer call() {
    UpgradeRequest asked = upgrade.request(acknowledge);
    UpgradeRequest request = new UpgradeRequest(asked.target(), asked.stages(), asked.acknowledged(),
        asked.allowPrerelease(), imagesTag(imagesTag));
    FleetConfig fleet = upgrade.fleet();
    try (TemporalConnection temporal = global.connect(fleet.temporal().address(), fleet.temporal().namespace())) {
      WorkflowClient client = temporal.client();
      temporal.requireWorkerOn(fleet.temporal().taskQueue());
      String connection = Hints.connection(temporal.address(), temporal.namespace());
      PreviousRun previous = PreviousRun.find(client, request.workflowId());
      if (previous != null && previous.running()) {
        int differs = reportRunning(previous, request, connection);
        if (!dryRun) {
          return differs;
        }
      }
      UpgradeReview review = upgrade.review(client, request);
      System.out.print(ReviewPrinter.print(review));
      printPlan(request);
      if (previous != null && previous.running()) {
        System.out.println("\n--dry-run: nothing started (" + request.workflowId() + " runs)");
        return Main.OK;
      }
      // At the target means the control plane, every node and health, not kubeadm-config alone:
      // an aborted upgrade's stage runs the new control plane with half its nodes behind.
      var target = request.target().kubernetes();
      if (review.stages().stream().allMatch(s -> s.atTarget(target))) {
        System.out.println("\nevery stage already runs " + request.target().kubernetes()
            + ", every node at it and healthy: nothing to upgrade, nothing started");
        return Main.OK;
      }
      UpgradeRequest toStart = previous == null ? request : request.resuming(previous.resumption());
      if (toStart.hasScheduledGate() && !temporal.hasSchedules()) {
        toStart = withoutSchedules(fleet, toStart, temporal.address());
      }
      if (previous != null) {
        printResumption(previous, toStart);
        List<String> lingering = lingering(client, toStart);
        if (!lingering.isEmpty()) {
          String why = whyNotYet(previous, lingering);
          if (dryRun) {
            System.out.println("\n--dry-run: nothing started; a start now would refuse: " + why);
            return Main.OK;
          }
          throw new OperationFailedException(why + "; nothing was started");
        }
      }
      if (dryRun) {
        System.out.println("\n--dry-run: nothing started");
        return Main.OK;
      }
      return start(client, fleet.temporal().taskQueue(), toStart, connection);
    }
  }

  /**
   * The upgrade runs already: never a second one. Asked with different options, say how they
   * differ (exit 1: what was asked is not what runs), rather than ignore them.
   */
  private static int reportRunning(PreviousRun running, UpgradeRequest asked, String connection) {
    System.out.println(running.id() + " is already running (run " + running.runId() + "): not starting a second one.");
    List<String> differences = running.differences(asked);
    if (!differences.isEmpty()) {
      System.out.println("it differs from what you asked:");
      differences.forEach(d -> System.out.println("  " + d));
      System.out.println("to change them, abort it and start again (the new run skips what is done):");
      System.out.println("  " + Hints.command("abort " + running.id() + " --reason ...", connection));
    }
    System.out.println("  " + Hints.command("status " + running.id(), connection));
    return differences.isEmpty() ? Main.OK : Main.FAILED;
  }

  /**
   * A server without Schedules (the embedded test server of `dev`): the scheduled gates wait for the
   * same weekly time in the workflow (a window), and the operator is told so.
   */
  static UpgradeRequest withoutSchedules(FleetConfig fleet, UpgradeRequest request, String address) {
    FleetConfig.Schedule when = fleet.schedule().orElseThrow();
    org.fleetupgrade.promotion.WeeklyWindow window = when.asWindow(java.time.Instant.now());
    System.out.println("\nthe Temporal server at " + address + " has no Schedules (the embedded test server): the"
        + " scheduled gates wait in the workflow for the window " + window + " (" + when + ") instead");
    return request.scheduledAsWindow(window);
  }

  private static void printResumption(PreviousRun previous, UpgradeRequest request) {
    System.out.println("\n" + previous.id() + " ran before (run " + previous.runId() + ", " + previous.outcome()
        + (previous.closedAt() == null ? "" : " at " + previous.closedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        + "): a new run skips what is done and finishes what is behind.");
    if (previous.status() == null) {
      System.out.println("  its status cannot be read (" + previous.unreadable() + "): soaks, approvals and the"
          + " acknowledge start again");
      return;
    }
    List<String> kept = PreviousRun.describe(request.resumed());
    if (!kept.isEmpty()) {
      System.out.println("  kept for stages found at the target:");
      kept.forEach(k -> System.out.println("    " + k));
    }
  }

  private static void printPlan(UpgradeRequest request) {
    System.out.println("\nplan: " + request.target());
    for (int i = 0; i < request.stages().size(); i++) {
      StagePlan stage = request.stages().get(i);
      System.out.printf("  %-11s %-14s%s%n", stage.name(), stage.project(),
          i + 1 < request.stages().size() ? "then soak " + Text.duration(stage.promotion().soak()) + ", promote "
              + stage.promotion().mode().name().toLowerCase() : "");
    }
  }

  /**
   * The stage workflows (and their rollouts) of an earlier run that still run: a run that was
   * terminated asks its children to cancel, and one in the middle of a drain or a script takes its
   * time to stop. A new run starting beside them would block on the stage's id, or worse, drive the
   * same nodes twice.
   */
  private static List<String> lingering(WorkflowClient client, UpgradeRequest request) {
    List<String> running = new ArrayList<>();
    for (StagePlan stage : request.stages()) {
      String stageId = StageUpgradeWorkflow.workflowId(request.workflowId(), stage.name());
      for (String id : List.of(stageId, stageId + "/rollout")) {
        try {
          if (client.newUntypedWorkflowStub(id).describe().getWorkflowExecutionInfo().getStatus()
              == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
            running.add(id);
          }
        } catch (io.temporal.client.WorkflowNotFoundException neverStarted) {
          // never ran: nothing lingers there
        } catch (io.temporal.client.WorkflowServiceException | io.grpc.StatusRuntimeException e) {
          // Not known is not "not running": starting beside it could drive the same nodes twice.
          throw new OperationFailedException("cannot tell whether " + id + " of the last run still runs: "
              + Upgrades.rootMessage(e) + "; nothing was started");
        }
      }
    }
    return running;
  }

  /** Why a new run must wait for {@code lingering} (ids of the last run's stage workflows still running). */
  private static String whyNotYet(PreviousRun previous, List<String> lingering) {
    String first = lingering.get(0);
    return String.join(", ", lingering) + " still run" + (lingering.size() == 1 ? "s" : "") + ": asked to cancel when run "
        + previous.runId() + " closed, and finishing a step; a new run would find the stage taken. Start again once it"
        + " has closed (`temporal workflow describe --workflow-id " + first + "` shows it; one that never closes can be"
        + " ended with `temporal workflow terminate --workflow-id " + first + "`, which stops it where it is: a node it"
        + " drained stays cordoned)";
  }

  private static int start(WorkflowClient client, String taskQueue, UpgradeRequest request, String connection) {
    String id = request.workflowId();
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, UpgradeOptions.of(request, taskQueue));
    try {
      WorkflowClient.start(upgrade::run, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      System.out.println(id + " is already running (run " + e.getExecution().getRunId() + "): not starting a second one.");
      return Main.OK;
    }
    System.out.println("\nstarted " + id);
    System.out.println("  " + Hints.command("status " + id + " --watch", connection));
    return Main.OK;
  }
}
