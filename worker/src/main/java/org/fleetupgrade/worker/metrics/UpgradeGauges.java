package org.fleetupgrade.worker.metrics;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.metrics.UpgradeMetrics;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.MemberPhase;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each upgrade stands, as gauges read from Temporal: every {@code interval} the worker lists
 * the fleet upgrades that run or finished within {@link #FINISHED_KEPT}, asks each running one its
 * {@code status} query (a finished one's final report is read once and kept), and sets the gauges
 * from that snapshot: exactly what {@code fleet-upgrade status} shows.
 *
 * <p>Why not set gauges from workflow code: a gauge set there lives only on the replica that ran
 * the last workflow task, is never set again on a replica that took the workflow over (nothing is
 * emitted during replay), and stays behind, stale, on the others. Read from Temporal, every replica
 * exports the same values (within one interval of each other), so {@code max by (upgrade, stage)}
 * across replicas is the status, whichever replicas Prometheus reaches.
 *
 * <p>Cheap and bounded: per interval, one visibility list and one query per running upgrade (at
 * most {@link #MAX_UPGRADES}); queries add nothing to any history. Labels: upgrade (the target
 * version), stage, state; no member or node names.
 */
public final class UpgradeGauges implements AutoCloseable {

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);
  /** A finished upgrade (COMPLETED or ABORTED) is shown this long after it closed, with its final state. */
  public static final Duration FINISHED_KEPT = Duration.ofHours(24);
  /** The newest upgrades shown; older ones are left out. */
  public static final int MAX_UPGRADES = 20;

  public static final String STATE = "fleet_upgrade_state";
  public static final String STAGE_STATE = "fleet_upgrade_stage_state";
  public static final String NODES_AT_TARGET = "fleet_upgrade_stage_nodes_at_target";
  public static final String NODES = "fleet_upgrade_stage_nodes";
  public static final String MEMBERS_UPGRADED = "fleet_upgrade_stage_members_upgraded";
  public static final String MEMBERS = "fleet_upgrade_stage_members";
  public static final String READS_FAILED = "fleet_upgrade_status_reads_failed";
  public static final String LAST_READ = "fleet_upgrade_status_last_read_timestamp_seconds";

  private static final String TYPE = "FleetUpgradeWorkflow";
  /** Without list queries (the Java test server behind `dev`): pages of the open and closed lists. */
  private static final int PAGE = 1000;
  private static final int MAX_PAGES = 20;

  private static final Logger log = LoggerFactory.getLogger(UpgradeGauges.class);

  private final WorkflowClient client;
  private final Duration interval;
  private final Clock clock;
  private final MultiGauge state;
  private final MultiGauge stageState;
  private final MultiGauge nodesAtTarget;
  private final MultiGauge nodes;
  private final MultiGauge membersUpgraded;
  private final MultiGauge members;
  private final Counter readsFailed;
  private volatile double lastRead;
  /** Final reports by run id: a closed run's never changes. */
  private final Map<String, FleetStatus> finished = new LinkedHashMap<>();
  /** The last status each running upgrade answered, kept through a query that failed. */
  private final Map<String, FleetStatus> lastSeen = new LinkedHashMap<>();
  private boolean listQueries = true;
  private ScheduledExecutorService timer;

  public UpgradeGauges(WorkflowClient client, MeterRegistry registry, Duration interval) {
    this(client, registry, interval, Clock.systemUTC());
  }

  UpgradeGauges(WorkflowClient client, MeterRegistry registry, Duration interval, Clock clock) {
    this.client = client;
    this.interval = interval;
    this.clock = clock;
    state = MultiGauge.builder(STATE)
        .description("1 for the state the upgrade is in (status), 0 for the others").register(registry);
    stageState = MultiGauge.builder(STAGE_STATE)
        .description("1 for the state each stage is in (status), 0 for the others").register(registry);
    nodesAtTarget = MultiGauge.builder(NODES_AT_TARGET)
        .description("nodes of the stage at the target version (status)").register(registry);
    nodes = MultiGauge.builder(NODES)
        .description("nodes of the stage: control plane, platform and virtual (0 before preflight)").register(registry);
    membersUpgraded = MultiGauge.builder(MEMBERS_UPGRADED)
        .description("control-plane members of the stage done (upgraded, or found at the target)").register(registry);
    members = MultiGauge.builder(MEMBERS).description("control-plane members of the stage").register(registry);
    readsFailed = Counter.builder(READS_FAILED)
        .description("upgrade lists or status queries that failed (the last values are kept)").register(registry);
    io.micrometer.core.instrument.Gauge.builder(LAST_READ, this, g -> g.lastRead)
        .description("when the gauges were last read from Temporal (unix seconds)").register(registry);
  }

  /** Reads now, then every interval on a daemon thread, until closed. */
  public UpgradeGauges start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fleet-upgrade-gauges");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::refreshQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      readsFailed.increment();
      log.warn("upgrade gauges: cannot list fleet upgrades: {}", e.toString());
    }
  }

  /** Reads every shown upgrade's status once and sets the gauges; what cannot be read keeps its last values. */
  public synchronized void refresh() {
    Instant since = clock.instant().minus(FINISHED_KEPT);
    List<Run> runs = newestRunPerUpgrade(listRuns(since), since);
    List<FleetStatus> shown = new ArrayList<>();
    for (Run run : runs) {
      status(run).ifPresent(shown::add);
    }
    finished.keySet().retainAll(runs.stream().map(Run::runId).toList());
    lastSeen.keySet().retainAll(runs.stream().map(Run::workflowId).toList());
    publish(shown);
    lastRead = clock.millis() / 1000.0;
  }

  record Run(String workflowId, String runId, WorkflowExecutionStatus status, Instant start, Instant close) {}

  /** The fleet upgrades open, or closed after {@code since}: by a list query, else the open and closed lists. */
  private List<Run> listRuns(Instant since) {
    if (listQueries) {
      try {
        String query = "WorkflowType = '" + TYPE + "' AND (ExecutionStatus = 'Running' OR CloseTime > '"
            + DateTimeFormatter.ISO_INSTANT.format(since.truncatedTo(ChronoUnit.SECONDS)) + "')";
        return client.listExecutions(query).limit(4L * MAX_UPGRADES)
            .map(m -> new Run(m.getExecution().getWorkflowId(), m.getExecution().getRunId(), m.getStatus(),
                m.getStartTime(), m.getCloseTime()))
            .toList();
      } catch (RuntimeException e) {
        if (!unimplemented(e)) {
          throw e;
        }
        listQueries = false; // the Java test server: no list queries, ever
      }
    }
    var service = client.getWorkflowServiceStubs().blockingStub();
    String namespace = client.getOptions().getNamespace();
    WorkflowTypeFilter type = WorkflowTypeFilter.newBuilder().setName(TYPE).build();
    List<WorkflowExecutionInfo> infos = new ArrayList<>();
    com.google.protobuf.ByteString token = com.google.protobuf.ByteString.EMPTY;
    for (int page = 0; page < MAX_PAGES; page++) {
      ListOpenWorkflowExecutionsResponse open = service.listOpenWorkflowExecutions(ListOpenWorkflowExecutionsRequest
          .newBuilder().setNamespace(namespace).setTypeFilter(type).setMaximumPageSize(PAGE)
          .setNextPageToken(token).build());
      infos.addAll(open.getExecutionsList());
      token = open.getNextPageToken();
      if (token.isEmpty()) {
        break;
      }
    }
    token = com.google.protobuf.ByteString.EMPTY;
    for (int page = 0; page < MAX_PAGES; page++) {
      ListClosedWorkflowExecutionsResponse closed = service.listClosedWorkflowExecutions(
          ListClosedWorkflowExecutionsRequest.newBuilder().setNamespace(namespace).setTypeFilter(type)
              .setMaximumPageSize(PAGE).setNextPageToken(token).build());
      infos.addAll(closed.getExecutionsList());
      token = closed.getNextPageToken();
      if (token.isEmpty()) {
        break;
      }
    }
    // The test server ignores the type filter: every node's reboot workflow is listed too.
    return infos.stream().filter(i -> i.getType().getName().equals(TYPE))
        .map(i -> new Run(i.getExecution().getWorkflowId(), i.getExecution().getRunId(), i.getStatus(),
            instant(i.getStartTime()), i.hasCloseTime() ? instant(i.getCloseTime()) : null))
        .toList();
  }

  /** Per upgrade (workflow id) its newest run, if it runs or closed after {@code since}; newest first, bounded. */
  static List<Run> newestRunPerUpgrade(List<Run> runs, Instant since) {
    Map<String, Run> newest = new LinkedHashMap<>();
    for (Run run : runs) {
      newest.merge(run.workflowId(), run, (a, b) -> b.start().isAfter(a.start()) ? b : a);
    }
    return newest.values().stream()
        .filter(r -> r.close() == null || r.close().isAfter(since))
        .sorted(Comparator.comparing(Run::start).reversed())
        .limit(MAX_UPGRADES)
        .toList();
  }

  /**
   * A running upgrade's status query; a completed one's final report (its result: COMPLETED or
   * ABORTED). A run terminated, failed or timed out has no report to show and is left out.
   */
  private Optional<FleetStatus> status(Run run) {
    try {
      if (run.status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        FleetStatus status = client.newWorkflowStub(FleetUpgradeWorkflow.class, run.workflowId()).status();
        lastSeen.put(run.workflowId(), status);
        return Optional.of(status);
      }
      if (run.status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        FleetStatus status = finished.get(run.runId());
        if (status == null) {
          status = client.newUntypedWorkflowStub(run.workflowId(), Optional.of(run.runId()), Optional.empty())
              .getResult(5, TimeUnit.SECONDS, FleetStatus.class);
          finished.put(run.runId(), status);
        }
        return Optional.of(status);
      }
      return Optional.empty();
    } catch (RuntimeException | java.util.concurrent.TimeoutException e) {
      readsFailed.increment();
      log.warn("upgrade gauges: cannot read the status of {}: {}", run.workflowId(), e.toString());
      return Optional.ofNullable(lastSeen.get(run.workflowId()));
    }
  }

  private void publish(List<FleetStatus> shown) {
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    List<MultiGauge.Row<?>> stageStates = new ArrayList<>();
    List<MultiGauge.Row<?>> atTarget = new ArrayList<>();
    List<MultiGauge.Row<?>> total = new ArrayList<>();
    List<MultiGauge.Row<?>> upgraded = new ArrayList<>();
    List<MultiGauge.Row<?>> memberCount = new ArrayList<>();
    for (FleetStatus status : shown) {
      String upgrade = status.target().kubernetes().toString();
      Tags byUpgrade = Tags.of(UpgradeMetrics.UPGRADE, upgrade);
      for (FleetState s : FleetState.values()) {
        states.add(MultiGauge.Row.of(byUpgrade.and("state", s.name()), s == status.state() ? 1 : 0));
      }
      for (StageStatus stage : status.stages()) {
        Tags byStage = byUpgrade.and(UpgradeMetrics.STAGE, stage.name());
        for (StageState s : StageState.values()) {
          stageStates.add(MultiGauge.Row.of(byStage.and("state", s.name()), s == stage.state() ? 1 : 0));
        }
        atTarget.add(MultiGauge.Row.of(byStage, stage.nodes().atTarget()));
        total.add(MultiGauge.Row.of(byStage, stage.nodes().total()));
        upgraded.add(MultiGauge.Row.of(byStage, stage.members().stream().filter(m -> m.phase() == MemberPhase.DONE)
            .count()));
        memberCount.add(MultiGauge.Row.of(byStage, stage.members().size()));
      }
    }
    state.register(states, true);
    stageState.register(stageStates, true);
    nodesAtTarget.register(atTarget, true);
    nodes.register(total, true);
    membersUpgraded.register(upgraded, true);
    members.register(memberCount, true);
  }

  private static boolean unimplemented(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return true;
      }
    }
    return false;
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
      try {
        timer.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
