package org.fleetupgrade.worker.cli;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.preflight.UpgradeReview;
import org.fleetupgrade.preflight.UpgradeReviewWorkflow;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.config.FleetConfig;
import picocli.CommandLine.Option;

/**
 * What `review` and `start` both take: the config, the target versions and the stages; and the
 * review they both run on the worker before anything is started.
 */
public class UpgradeArguments {

  /** How long the CLI waits for a worker to answer with the review. */
  static final Duration REVIEW_TIMEOUT = Duration.ofSeconds(60);

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "fleet config, e.g. config/fleet.yaml")
  Path config;

  @Option(names = "--kubernetes", required = true, paramLabel = "vX.Y.Z", description = "target Kubernetes version")
  String kubernetes;

  @Option(names = "--cni", paramLabel = "vX.Y.Z", description = "CNI plugins version (default: versions.cni in the config)")
  String cni;

  @Option(names = "--crictl", paramLabel = "vX.Y.Z", description = "crictl version (default: versions.crictl in the config)")
  String crictl;

  /** As given: split here, not by picocli, which dropped empty names (`--stages ,` ran every stage). */
  @Option(names = "--stages", paramLabel = "STAGE[,STAGE...]", description = "only these stages, in config order")
  List<String> stagesGiven = new ArrayList<>();

  @Option(names = "--allow-prerelease", description = "allow a target newer than the latest stable release")
  boolean allowPrerelease;

  @Option(names = "--allow-downgrade", description = "install the CNI plugins and crictl even on hosts that have"
      + " newer releases (by default such a host's upgrade stops before changing anything)")
  boolean allowDowngrade;

  private FleetConfig fleet;

  FleetConfig fleet() {
    if (fleet == null) {
      fleet = ConfigCommand.load(config);
    }
    return fleet;
  }

  TargetVersions target() {
    String cniVersion = cni != null ? cni : fleet().versions().cni();
    String crictlVersion = crictl != null ? crictl : fleet().versions().crictl();
    if (cniVersion == null) {
      throw new BadInputException("--cni is required (or set versions.cni in " + config + ")");
    }
    if (crictlVersion == null) {
      throw new BadInputException("--crictl is required (or set versions.crictl in " + config + ")");
    }
    try {
      TargetVersions target = TargetVersions.parse(kubernetes, cniVersion, crictlVersion);
      return allowDowngrade ? target.allowingToolDowngrade() : target;
    } catch (InvalidVersionException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  /**
   * The stages --stages names (empty: all). An empty name (`--stages ,`, `--stages a,,b`), an
   * unknown one or one named twice is bad input: never "all stages", production included.
   */
  List<String> stages() {
    List<String> names = new ArrayList<>();
    for (String given : stagesGiven) {
      for (String name : given.split(",", -1)) {
        String stage = name.strip();
        if (stage.isEmpty()) {
          throw new BadInputException("--stages '" + given + "': an empty stage name; stages in " + config + " are "
              + String.join(", ", fleet().stageNames()));
        }
        if (!fleet().stageNames().contains(stage)) {
          throw new BadInputException("unknown stage '" + stage + "': stages in " + config + " are "
              + String.join(", ", fleet().stageNames()));
        }
        if (names.contains(stage)) {
          throw new BadInputException("--stages: stage '" + stage + "' is named twice");
        }
        names.add(stage);
      }
    }
    return names;
  }

  UpgradeRequest request(boolean acknowledged) {
    List<String> stages = stages();
    UpgradeRequest request = fleet().request(target(), stages);
    return new UpgradeRequest(request.target(), request.stages(), acknowledged, allowPrerelease);
  }

  /** Runs the review on a worker; a rejected path or an unpublished target is bad input. */
  UpgradeReview review(WorkflowClient client, UpgradeRequest request) {
    return review(client, fleet().temporal().taskQueue(), request);
  }

  /** The review on the worker of {@code taskQueue}; also `demo`'s, so it refuses what `start` refuses. */
  static UpgradeReview review(WorkflowClient client, String taskQueue, UpgradeRequest request) {
    UpgradeReviewWorkflow workflow = client.newWorkflowStub(UpgradeReviewWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("fleet-upgrade-review-" + UUID.randomUUID())
        .setTaskQueue(taskQueue)
        .setWorkflowExecutionTimeout(REVIEW_TIMEOUT.plusMinutes(1))
        .build());
    WorkflowClient.start(workflow::review, request.stages().stream().map(StagePlan::name).toList(), request.target(),
        request.allowPrerelease());
    WorkflowStub stub = WorkflowStub.fromTyped(workflow);
    UpgradeReview review;
    try {
      review = stub.getResultAsync(UpgradeReview.class).get(REVIEW_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      stub.terminate("no worker answered within " + REVIEW_TIMEOUT);
      throw new OperationFailedException("no worker answered on task queue '" + taskQueue + "' within "
          + REVIEW_TIMEOUT.toSeconds() + "s: start one (`fleet-upgrade worker --config FILE`, or `fleet-upgrade dev`)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperationFailedException("interrupted");
    } catch (ExecutionException e) {
      throw new OperationFailedException("the review failed: "
          + (e.getCause() instanceof WorkflowFailedException f ? Upgrades.rootMessage(f) : e.getCause()));
    }
    if (review.rejected()) {
      String problem = "upgrade to " + request.target().kubernetes() + " rejected, nothing started: " + review.rejection();
      String stagesText = ReviewPrinter.stages(review);
      if ("VersionUnknown".equals(review.rejectionType()) || "ChangelogUnavailable".equals(review.rejectionType())
          || "ReviewFailed".equals(review.rejectionType())) {
        throw new OperationFailedException(problem + "\n" + stagesText);
      }
      throw new BadInputException(problem);
    }
    return review;
  }
}
