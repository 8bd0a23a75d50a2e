package org.fleetupgrade.worker.cli;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.status.Text;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Lists fleet upgrades, newest first, with each one's state and current stage. On a real server
 * this is one visibility query (ListWorkflowExecutions) on our search attributes, so the filters
 * are the server's; the embedded test server behind `dev` has no visibility queries and returns
 * no search attributes, so there the open and closed listings are read and each upgrade's own
 * status says its state and stage (a handful of upgrades: one query each).
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List fleet upgrades, running and finished.")
public class ListCommand implements Callable<Integer> {

  private static final String TYPE = "FleetUpgradeWorkflow";
  /** The most a visibility page holds here: a longer --limit reads several. */
  private static final int PAGE = 1000;
  static final int MAX_LIMIT = 10_000;
  /** Upgrades whose status the fallback asks for, newest first; older ones show their workflow state. */
  private static final int STATUS_LOOKUPS = 20;
  private static final Pattern STAGE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  @Mixin
  GlobalOptions global;

  @Option(names = "--state", paramLabel = "STATE", description = "only upgrades in this state: REVIEWING, RUNNING,"
      + " BLOCKED, GATE, PAUSED, COMPLETED, ABORTED (or a closed run's TERMINATED, FAILED, TIMED_OUT, CANCELED)")
  String state;

  @Option(names = "--stage", paramLabel = "STAGE", description = "only upgrades whose current stage is this one")
  String stage;

  /** Named as in `start`: `--version` is every command's -V. */
  @Option(names = "--kubernetes", paramLabel = "vX.Y.Z", description = "only the upgrade to this Kubernetes version")
  String version;

  @Option(names = "--open", description = "only running upgrades")
  boolean open;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
      description = "show at most N upgrades, the newest (default: ${DEFAULT-VALUE}; 1 to " + MAX_LIMIT + ")")
  int limit;

  /** One line of the listing. */
  record Row(String id, String state, String stage, Instant started, Instant closed) {}

  /** A state as the operator writes it, or bad input listing the states there are. */
  static String state(String given) {
    if (given == null) {
      return null;
    }
    String upper = given.strip().toUpperCase(Locale.ROOT);
    List<String> known = new ArrayList<>(Arrays.stream(FleetState.values()).map(Enum::name).toList());
    known.addAll(List.of("TERMINATED", "FAILED", "TIMED_OUT", "CANCELED"));
    if (!known.contains(upper)) {
      throw new BadInputException("--state: '" + given + "' is not a state: " + String.join(", ", known));
    }
    return upper;
  }

  /**
   * The visibility query for the filters; every value is checked first (state one of ours, stage a
   * stage name, version a version), so nothing the operator types reaches the query unchecked.
   */
  String query() {
    StringBuilder q = new StringBuilder("WorkflowType = '" + TYPE + "'");
    String s = state(state);
    if (s != null && closedOnly(s)) {
      q.append(" AND ExecutionStatus = '").append(executionStatus(s)).append('\'');
    } else if (s != null) {
      q.append(" AND ").append(SearchAttributes.STATE.getName()).append(" = '").append(s).append('\'');
    }
    if (stage != null) {
      if (!STAGE.matcher(stage).matches()) {
        throw new BadInputException("--stage: '" + stage + "' is not a stage name (lower-case letters, digits, '-')");
      }
      q.append(" AND ").append(SearchAttributes.STAGE.getName()).append(" = '").append(stage).append('\'');
    }
    if (version != null) {
      String v;
      try {
        v = ReleaseVersion.parse(version).toString();
      } catch (InvalidVersionException e) {
        throw new BadInputException("--kubernetes: " + e.getMessage());
      }
      q.append(" AND ").append(SearchAttributes.VERSION.getName()).append(" = '").append(v).append('\'');
    }
    if (open) {
      q.append(" AND ExecutionStatus = 'Running'");
    }
    return q.toString();
  }

  /** States a run has only when Temporal closed it without the upgrade saying so (terminated, failed...). */
  private static boolean closedOnly(String state) {
    return Arrays.stream(FleetState.values()).noneMatch(f -> f.name().equals(state));
  }

  private static String executionStatus(String state) {
    return switch (state) {
      case "TERMINATED" -> "Terminated";
      case "FAILED" -> "Failed";
      case "TIMED_OUT" -> "TimedOut";
      default -> "Canceled";
    };
  }

  @Override
  public Integer call() {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new BadInputException("--limit: must be from 1 to " + MAX_LIMIT + " (got " + limit + ")");
    }
    String query = query();
    try (TemporalConnection temporal = global.connect()) {
      List<Row> rows;
      try {
        rows = visibility(temporal, query);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED && e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
          throw new OperationFailedException("cannot list upgrades at " + temporal.address() + ": "
              + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        // The test server (and a server without our search attributes) cannot answer the query.
        rows = listed(temporal);
      }
      if (rows.isEmpty()) {
        System.out.println(filtered() ? "no fleet upgrades match (" + query + ") in namespace " + temporal.namespace()
            : "no fleet upgrades in namespace " + temporal.namespace());
        return Main.OK;
      }
      boolean more = rows.size() > limit;
      if (more) {
        rows = rows.subList(0, limit);
      }
      System.out.printf("%-32s %-12s %-12s %-24s %s%n", "ID", "STATE", "STAGE", "STARTED", "CLOSED");
      for (Row row : rows) {
        System.out.printf("%-32s %-12s %-12s %-24s %s%n", row.id(), row.state(), row.stage() == null ? "-" : row.stage(),
            StatusTable.TIME.format(row.started()), row.closed() == null ? "-" : StatusTable.TIME.format(row.closed()));
      }
      if (more) {
        System.out.println("(" + Text.count(limit, "upgrade") + " shown; more match: " + (limit < MAX_LIMIT
            ? "--limit " + Math.min(MAX_LIMIT, limit * 10) + " shows more, or narrow" : "narrow") + " with --open, --state,"
            + " --stage or --kubernetes)");
      }
      return Main.OK;
    }
  }

  private boolean filtered() {
    return state != null || stage != null || version != null || open;
  }

  /** The newest {@code limit} + 1 matches at most (one more than shown, to know there are more), page by page. */
  private List<Row> visibility(TemporalConnection temporal, String query) {
    List<Row> rows = new ArrayList<>();
    ByteString page = ByteString.EMPTY;
    do {
      var response = temporal.stubs().blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
          .setNamespace(temporal.namespace()).setQuery(query).setPageSize(Math.min(PAGE, limit + 1 - rows.size()))
          .setNextPageToken(page).build());
      for (WorkflowExecutionInfo run : response.getExecutionsList()) {
        rows.add(new Row(run.getExecution().getWorkflowId(), state(run, attribute(run, SearchAttributes.STATE.getName())),
            attribute(run, SearchAttributes.STAGE.getName()), started(run), closed(run)));
      }
      page = response.getNextPageToken();
    } while (!page.isEmpty() && rows.size() <= limit);
    rows.sort(Comparator.comparing(Row::started).reversed());
    return rows;
  }

  /** The open and closed listings, filtered here, states from each upgrade's own status. */
  private List<Row> listed(TemporalConnection temporal) {
    var service = temporal.stubs().blockingStub();
    WorkflowTypeFilter type = WorkflowTypeFilter.newBuilder().setName(TYPE).build();
    List<WorkflowExecutionInfo> runs = new ArrayList<>(service.listOpenWorkflowExecutions(
        ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace(temporal.namespace()).setTypeFilter(type)
            .setMaximumPageSize(Math.min(PAGE, limit + 1)).build()).getExecutionsList());
    if (!open) {
      runs.addAll(service.listClosedWorkflowExecutions(
          ListClosedWorkflowExecutionsRequest.newBuilder().setNamespace(temporal.namespace()).setTypeFilter(type)
              .setMaximumPageSize(Math.min(PAGE, limit + 1)).build()).getExecutionsList());
    }
    // The embedded server ignores the type filter: filter here too.
    runs.removeIf(r -> !r.getType().getName().equals(TYPE));
    runs.sort(Comparator.comparing((WorkflowExecutionInfo r) -> started(r)).reversed());
    String wantedState = state(state);
    String wantedVersion = version == null ? null : "fleet-upgrade-" + ReleaseVersion.parse(version);
    List<Row> rows = new ArrayList<>();
    int looked = 0;
    for (WorkflowExecutionInfo run : runs) {
      String id = run.getExecution().getWorkflowId();
      if (wantedVersion != null && !wantedVersion.equals(id)) {
        continue;
      }
      FleetStatus status = looked++ < STATUS_LOOKUPS ? statusOf(temporal.client(), run) : null;
      String shown = state(run, status == null ? attribute(run, SearchAttributes.STATE.getName()) : status.state().name());
      String current = status == null ? attribute(run, SearchAttributes.STAGE.getName()) : status.currentStage();
      if ((wantedState == null || wantedState.equals(shown)) && (stage == null || stage.equals(current))) {
        rows.add(new Row(id, shown, current, started(run), closed(run)));
      }
    }
    return rows;
  }

  /** The upgrade's own word on itself: the query while it runs, the result once completed; null otherwise. */
  private static FleetStatus statusOf(WorkflowClient client, WorkflowExecutionInfo run) {
    String id = run.getExecution().getWorkflowId();
    try {
      if (run.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return client.newWorkflowStub(FleetUpgradeWorkflow.class, id).status();
      }
      if (run.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        return client.newUntypedWorkflowStub(id, java.util.Optional.of(run.getExecution().getRunId()), java.util.Optional.empty())
            .getResult(FleetStatus.class);
      }
    } catch (RuntimeException unanswered) {
      // No worker, or a run from an older version: the listing shows what Temporal knows.
    }
    return null;
  }

  /**
   * What a run is: the upgrade's state while it runs or once it completed (ABORTED is a completed
   * workflow, but not a completed upgrade); Temporal's word for a run it closed itself (a stale
   * search attribute would say RUNNING for a terminated upgrade).
   */
  static String state(WorkflowExecutionInfo run, String upgradeState) {
    WorkflowExecutionStatus status = run.getStatus();
    if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        || status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      return upgradeState != null ? upgradeState
          : status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING ? "RUNNING" : "COMPLETED";
    }
    return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
  }

  private static Instant started(WorkflowExecutionInfo run) {
    return Instant.ofEpochSecond(run.getStartTime().getSeconds(), run.getStartTime().getNanos());
  }

  private static Instant closed(WorkflowExecutionInfo run) {
    return run.hasCloseTime() && run.getCloseTime().getSeconds() > 0
        ? Instant.ofEpochSecond(run.getCloseTime().getSeconds(), run.getCloseTime().getNanos()) : null;
  }

  private static String attribute(WorkflowExecutionInfo run, String name) {
    Payload payload = run.getSearchAttributes().getIndexedFieldsMap().get(name);
    if (payload == null) {
      return null;
    }
    try {
      Object value = DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, Object.class, Object.class);
      if (value instanceof List<?> list) {
        return list.isEmpty() ? null : String.valueOf(list.get(0));
      }
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
