package org.fleetupgrade.worker.cli;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import java.util.concurrent.Callable;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.preflight.UpgradeReview;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
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
 * target. Starting a version that is already running reports that upgrade instead of a second one.
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
      if (reportIfRunning(client, request.workflowId(), connection)) {
        return Main.OK;
      }
      UpgradeReview review = upgrade.review(client, request);
      System.out.print(ReviewPrinter.print(review));
      printPlan(request);
      if (review.review().path().size() == 2 && review.stages().stream()
          .allMatch(s -> request.target().kubernetes().toString().equals(s.version()))) {
        System.out.println("\nevery stage already runs " + request.target().kubernetes() + ": nothing to upgrade, nothing started");
        return Main.OK;
      }
      if (dryRun) {
        System.out.println("\n--dry-run: nothing started");
        return Main.OK;
      }
      return start(client, fleet.temporal().taskQueue(), request, connection);
    }
  }

  private static boolean reportIfRunning(WorkflowClient client, String id, String connection) {
    WorkflowExecutionDescription existing;
    try {
      existing = client.newUntypedWorkflowStub(id).describe();
    } catch (RuntimeException notFound) {
      return false;
    }
    if (existing.getWorkflowExecutionInfo().getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return false;
    }
    System.out.println(id + " is already running (run " + existing.getWorkflowExecutionInfo().getExecution().getRunId()
        + "): not starting a second one.");
    System.out.println("  " + Hints.command("status " + id, connection));
    return true;
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
