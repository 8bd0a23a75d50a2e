package org.fleetupgrade.worker.cli;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.preflight.ClusterVersions;
import org.fleetupgrade.preflight.ClusterVersionsWorkflow;
import org.fleetupgrade.preflight.StageVersion;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.version.UpgradeDecision;
import org.fleetupgrade.version.UpgradePolicy;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.TemporalConnection;
import org.fleetupgrade.worker.engine.UpgradeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Starts an upgrade after checking everything that can be checked first: the config, the versions,
 * the stages, the server, and each stage's current version against the upgrade policy (asked of the
 * worker, which holds the clusters' credentials). Starting a version that is already running
 * reports that upgrade instead of starting a second one.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
    description = "Start an upgrade of the fleet to a Kubernetes version, stage by stage.")
public class StartCommand implements Callable<Integer> {

  /** How long `start` waits for a worker to report the stages' current versions. */
  static final Duration SURVEY_TIMEOUT = Duration.ofSeconds(30);

  @Mixin
  GlobalOptions global;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "fleet config, e.g. config/fleet.yaml")
  Path config;

  @Option(names = "--kubernetes", required = true, paramLabel = "vX.Y.Z", description = "target Kubernetes version")
  String kubernetes;

  @Option(names = "--cni", paramLabel = "vX.Y.Z", description = "CNI plugins version (default: versions.cni in the config)")
  String cni;

  @Option(names = "--crictl", paramLabel = "vX.Y.Z", description = "crictl version (default: versions.crictl in the config)")
  String crictl;

  @Option(names = "--stages", split = ",", paramLabel = "STAGE", description = "only these stages, in config order")
  List<String> stages = new ArrayList<>();

  @Option(names = "--dry-run", description = "check everything and print the plan; start nothing")
  boolean dryRun;

  @Override
  public Integer call() {
    FleetConfig fleet = ConfigCommand.load(config);
    TargetVersions target = targetVersions(fleet);
    for (String stage : stages) {
      if (!fleet.stageNames().contains(stage)) {
        throw new BadInputException("unknown stage '" + stage + "': stages in " + config + " are "
            + String.join(", ", fleet.stageNames()));
      }
    }
    UpgradeRequest request = fleet.request(target, stages);
    try (TemporalConnection temporal = global.connect(fleet.temporal().address(), fleet.temporal().namespace())) {
      WorkflowClient client = temporal.client();
      String id = request.workflowId();
      if (reportIfRunning(client, id)) {
        return Main.OK;
      }
      List<StageVersion> current = survey(client, fleet.temporal().taskQueue(), request);
      boolean nothingToDo = checkPath(current, target.kubernetes());
      printPlan(request, current, target);
      if (nothingToDo) {
        System.out.println("\nevery stage already runs " + target.kubernetes() + ": nothing to upgrade, nothing started");
        return Main.OK;
      }
      if (dryRun) {
        System.out.println("\n--dry-run: nothing started");
        return Main.OK;
      }
      return start(client, fleet.temporal().taskQueue(), request);
    }
  }

  private TargetVersions targetVersions(FleetConfig fleet) {
    String cniVersion = cni != null ? cni : fleet.versions().cni();
    String crictlVersion = crictl != null ? crictl : fleet.versions().crictl();
    if (cniVersion == null) {
      throw new BadInputException("--cni is required (or set versions.cni in " + config + ")");
    }
    if (crictlVersion == null) {
      throw new BadInputException("--crictl is required (or set versions.crictl in " + config + ")");
    }
    try {
      return TargetVersions.parse(kubernetes, cniVersion, crictlVersion);
    } catch (InvalidVersionException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  private static boolean reportIfRunning(WorkflowClient client, String id) {
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
    System.out.println("  fleet-upgrade status " + id);
    return true;
  }

  /** Asks the worker for each stage's current version: a short workflow on the same task queue. */
  private static List<StageVersion> survey(WorkflowClient client, String taskQueue, UpgradeRequest request) {
    String id = "fleet-upgrade-survey-" + UUID.randomUUID();
    ClusterVersionsWorkflow survey = client.newWorkflowStub(ClusterVersionsWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(id).setTaskQueue(taskQueue).setWorkflowExecutionTimeout(SURVEY_TIMEOUT.plusMinutes(1)).build());
    List<String> names = request.stages().stream().map(StagePlan::name).toList();
    WorkflowClient.start(survey::survey, names);
    WorkflowStub stub = WorkflowStub.fromTyped(survey);
    try {
      return stub.getResultAsync(ClusterVersions.class).get(SURVEY_TIMEOUT.toSeconds(), TimeUnit.SECONDS).stages();
    } catch (TimeoutException e) {
      stub.terminate("no worker answered within " + SURVEY_TIMEOUT);
      throw new OperationFailedException("no worker answered on task queue '" + taskQueue + "' within "
          + SURVEY_TIMEOUT.toSeconds() + "s: start one (`fleet-upgrade worker --config FILE`, or `fleet-upgrade dev`)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperationFailedException("interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new OperationFailedException("cannot read the stages' versions: "
          + (e.getCause() instanceof WorkflowFailedException f ? Upgrades.rootMessage(f) : e.getCause()));
    }
  }

  /** Applies the upgrade policy per stage; true when every stage is already at the target. */
  private static boolean checkPath(List<StageVersion> current, ReleaseVersion target) {
    List<String> problems = new ArrayList<>();
    boolean allThere = true;
    for (StageVersion stage : current) {
      if (stage.error() != null) {
        throw new OperationFailedException("stage " + stage.stage() + ": cannot read its current version: " + stage.error());
      }
      UpgradeDecision decision = UpgradePolicy.decide(ReleaseVersion.parse(stage.version()), target);
      if (!decision.allowed()) {
        problems.add("stage " + stage.stage() + ": " + decision.reason());
      }
      allThere &= decision.isNoOp();
    }
    if (!problems.isEmpty()) {
      throw new BadInputException("upgrade path rejected, nothing started:\n  " + String.join("\n  ", problems));
    }
    return allThere;
  }

  private static void printPlan(UpgradeRequest request, List<StageVersion> current, TargetVersions target) {
    System.out.println("upgrade to " + target);
    target.warnings().forEach(w -> System.out.println("warning: " + w));
    for (int i = 0; i < request.stages().size(); i++) {
      StagePlan stage = request.stages().get(i);
      String version = current.get(i).version();
      System.out.printf("  %-11s %-14s %s -> %s%s%n", stage.name(), stage.project(), version, target.kubernetes(),
          i + 1 < request.stages().size() ? "; then soak " + stage.promotion().soak() + ", promote "
              + stage.promotion().mode().name().toLowerCase() : "");
    }
  }

  private static int start(WorkflowClient client, String taskQueue, UpgradeRequest request) {
    String id = request.workflowId();
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, UpgradeOptions.of(request, taskQueue));
    try {
      WorkflowClient.start(upgrade::run, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      System.out.println(id + " is already running (run " + e.getExecution().getRunId() + "): not starting a second one.");
      return Main.OK;
    }
    System.out.println("\nstarted " + id);
    System.out.println("  fleet-upgrade status " + id + " --watch");
    return Main.OK;
  }
}
