package org.fleetupgrade.worker.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.util.function.Supplier;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;

/** Finding an upgrade by id and talking to it, with operator-readable errors. */
final class Upgrades {

  private Upgrades() {}

  /** Accepts the workflow id or just the version: "v1.31.2" means "fleet-upgrade-v1.31.2". */
  static String workflowId(String idOrVersion) {
    if (idOrVersion == null || idOrVersion.isBlank()) {
      throw new BadInputException("an upgrade id is required (e.g. fleet-upgrade-v1.31.2, or just v1.31.2)");
    }
    return idOrVersion.startsWith("v") ? "fleet-upgrade-" + idOrVersion : idOrVersion;
  }

  /** @param connection what the hint in a "no such upgrade" carries ({@link Hints#connection}) */
  static WorkflowExecutionDescription describe(WorkflowClient client, String id, String connection) {
    try {
      return client.newUntypedWorkflowStub(id).describe();
    } catch (WorkflowNotFoundException e) {
      throw notFound(id, connection);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw notFound(id, connection);
      }
      throw new OperationFailedException("cannot describe " + id + ": " + e.getStatus());
    } catch (io.temporal.client.WorkflowServiceException e) {
      // The SDK's wrapper of any other server error (unavailable, deadline, permission): one line, not a trace
      throw new OperationFailedException("cannot describe " + id + ": " + rootMessage(e));
    }
  }

  /** As {@link #describe(WorkflowClient, String, String)}, from {@code known} when the command already has it. */
  static WorkflowExecutionDescription describe(WorkflowClient client, String id, String connection,
      DescribeWorkflowExecutionResponse known) {
    return known != null ? new WorkflowExecutionDescription(known, client.getOptions().getDataConverter())
        : describe(client, id, connection);
  }

  private static BadInputException notFound(String id, String connection) {
    return new BadInputException("no upgrade with id '" + id + "' (`" + Hints.command("list", connection) + "` shows them)");
  }

  static FleetUpgradeWorkflow stub(WorkflowClient client, String id) {
    return client.newWorkflowStub(FleetUpgradeWorkflow.class, id);
  }

  /** The current snapshot: the query while running, the final report once completed. */
  static FleetStatus status(WorkflowClient client, String id, WorkflowExecutionDescription description) {
    WorkflowExecutionStatus state = description.getWorkflowExecutionInfo().getStatus();
    try {
      if (state == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        return client.newUntypedWorkflowStub(id).getResult(FleetStatus.class);
      }
      if (state != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        throw new OperationFailedException(id + " is " + state.name().replace("WORKFLOW_EXECUTION_STATUS_", "")
            .toLowerCase() + ": it has no status to show");
      }
      return stub(client, id).status();
    } catch (io.temporal.client.WorkflowQueryException e) {
      throw new OperationFailedException("cannot query " + id + ": " + rootMessage(e)
          + " (is a worker running for its task queue?)");
    }
  }

  /** Runs an operator update; a rejection (it changed nothing) is bad input, exit 2. */
  static String update(WorkflowClient client, String id, WorkflowExecutionDescription description, Supplier<String> call) {
    if (description.getWorkflowExecutionInfo().getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new BadInputException(id + " is not running: it takes no more input");
    }
    try {
      return call.get();
    } catch (WorkflowUpdateException e) {
      throw new BadInputException("rejected: " + rootMessage(e));
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    return t.getMessage();
  }
}
