package org.fleetupgrade.worker.cli;

import io.temporal.api.common.v1.Payload;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Lists fleet upgrades, newest first. Uses the open/closed listing APIs, which both a real
 * Temporal server and the embedded dev server support (the dev server has no list queries).
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List fleet upgrades, running and finished.")
public class ListCommand implements Callable<Integer> {

  private static final String TYPE = "FleetUpgradeWorkflow";

  @Mixin
  GlobalOptions global;

  @Override
  public Integer call() {
    try (TemporalConnection temporal = global.connect()) {
      var service = temporal.stubs().blockingStub();
      WorkflowTypeFilter type = WorkflowTypeFilter.newBuilder().setName(TYPE).build();
      List<WorkflowExecutionInfo> runs = new ArrayList<>(service.listOpenWorkflowExecutions(
          ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace(temporal.namespace()).setTypeFilter(type)
              .setMaximumPageSize(100).build()).getExecutionsList());
      runs.addAll(service.listClosedWorkflowExecutions(
          ListClosedWorkflowExecutionsRequest.newBuilder().setNamespace(temporal.namespace()).setTypeFilter(type)
              .setMaximumPageSize(100).build()).getExecutionsList());
      // The embedded server ignores the type filter: filter here too.
      runs.removeIf(r -> !r.getType().getName().equals(TYPE));
      if (runs.isEmpty()) {
        System.out.println("no fleet upgrades in namespace " + temporal.namespace());
        return Main.OK;
      }
      runs.sort(Comparator.comparing((WorkflowExecutionInfo r) -> r.getStartTime().getSeconds()).reversed());
      System.out.printf("%-32s %-10s %-12s %-12s %s%n", "ID", "WORKFLOW", "STATE", "STAGE", "STARTED");
      for (WorkflowExecutionInfo run : runs) {
        System.out.printf("%-32s %-10s %-12s %-12s %s%n", run.getExecution().getWorkflowId(),
            run.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(),
            attribute(run, SearchAttributes.STATE.getName()), attribute(run, SearchAttributes.STAGE.getName()),
            StatusTable.TIME.format(Instant.ofEpochSecond(run.getStartTime().getSeconds())));
      }
      return Main.OK;
    }
  }

  private static String attribute(WorkflowExecutionInfo run, String name) {
    Payload payload = run.getSearchAttributes().getIndexedFieldsMap().get(name);
    if (payload == null) {
      return "-";
    }
    try {
      Object value = DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, Object.class, Object.class);
      if (value instanceof List<?> list) {
        return list.isEmpty() ? "-" : String.valueOf(list.get(0));
      }
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return "?";
    }
  }
}
