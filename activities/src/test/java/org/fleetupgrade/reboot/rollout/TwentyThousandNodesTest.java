package org.fleetupgrade.reboot.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.fleetupgrade.controlplane.DrainResult;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.reboot.RebootSummary;
import org.fleetupgrade.reboot.node.NodeObservation;
import org.fleetupgrade.reboot.node.NodePage;
import org.fleetupgrade.reboot.node.NodeRebootActivities;
import org.fleetupgrade.reboot.node.NodeTarget;
import org.fleetupgrade.reboot.node.TriggerOutcome;
import org.fleetupgrade.reboot.window.NodeFate;
import org.fleetupgrade.reboot.window.WindowLimits;
import org.fleetupgrade.upgrade.OperatorCommand;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;
import org.fleetupgrade.upgrade.StageAssignment;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.Test;

/**
 * The scale: 20,000 nodes with 200 in flight. The rollout's own histories (every run) stay
 * under 5,000 events with no event over 256 KB, the node list never travels whole, and every node's
 * report arrives, across every continue-as-new, exactly once. Each node's reboot is a quick stand-in
 * (its own workflow: a timer, then its report), so the test measures the rollout, not 20,000 drains.
 */
class TwentyThousandNodesTest {

  static final int SITES = 5_000;
  static final int PER_SITE = 4;
  static final int NODES = SITES * PER_SITE;
  static final String TASK_QUEUE = "scale";
  static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.31.2");
  static final int MAX_EVENTS = 5_000;
  static final int MAX_EVENT_BYTES = 256 * 1024;

  @Test
  void twentyThousandNodesTwoHundredInFlightKeepEveryHistoryAndPayloadBounded() {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(NodeRolloutWorkflowImpl.class, QuickNodeReboot.class,
          RecordingStage.class);
      AtomicInteger pagesRead = new AtomicInteger();
      worker.registerActivitiesImplementations(new PagedNodes(pagesRead), (HealthActivities) (stage, target) ->
          new HealthReport(NODES, NODES, 0, List.of(), List.of(), 0), new NoLock(),
          new TemporalNodeLauncher(env.getWorkflowClient()));
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      // Given a stage workflow that hears the rollout's progress
      StageUpgradeWorkflow stage = client.newWorkflowStub(StageUpgradeWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId("scale/production").setTaskQueue(TASK_QUEUE).build());
      WorkflowClient.start(stage::run, (StageAssignment) null);

      // When 20,000 nodes are rolled out 200 at a time, 1 per site (each node its own workflow)
      String rolloutId = "scale/production/rollout";
      NodeRolloutWorkflow rollout = client.newWorkflowStub(NodeRolloutWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(rolloutId).setTaskQueue(TASK_QUEUE).build());
      RebootSummary summary = rollout.run(NodeRollout.start("production", TARGET, new WindowLimits(200, 1, 0, 0),
          Duration.ofMinutes(30), "scale/production", false));

      // Then every node came back once, and the stage heard the end
      assertThat(summary.rebooted()).isEqualTo(NODES);
      assertThat(pagesRead.get()).as("read page by page").isGreaterThanOrEqualTo(NODES / NodeRolloutWorkflowImpl.PAGE);
      RolloutProgress told = stage.status().reboot();
      assertThat(told.done()).isEqualTo(NODES);
      assertThat(told.total()).isEqualTo(NODES);
      assertThat(told.nodesInFlight()).as("bounded copy").hasSizeLessThanOrEqualTo(RolloutProgress.NAMED);

      // And every run of the rollout stayed small
      // (from the last run back to the first: each run's start names the run it continues)
      List<Integer> lengths = new ArrayList<>();
      int largest = 0;
      String runId = null;
      while (true) {
        History history = client.fetchHistory(rolloutId, runId).getHistory();
        lengths.add(history.getEventsCount());
        for (HistoryEvent e : history.getEventsList()) {
          largest = Math.max(largest, e.getSerializedSize());
        }
        runId = history.getEvents(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
        if (runId.isEmpty()) {
          break;
        }
      }
      assertThat(lengths).as("continued as new, with nodes in flight").hasSizeGreaterThan(5);
      assertThat(lengths).allSatisfy(n -> assertThat(n).isLessThan(MAX_EVENTS));
      assertThat(largest).as("largest event, bytes").isLessThan(MAX_EVENT_BYTES);
      System.out.printf("20,000 nodes: %d rollout runs, longest %d events, largest event %d bytes%n", lengths.size(),
          lengths.stream().mapToInt(Integer::intValue).max().orElse(0), largest);
      WorkflowStub.fromTyped(stage).signal("operator", (OperatorCommand) null);
    }
  }

  /**
   * A node's reboot, reported at once: the rollout cannot tell it from a real one but by its speed,
   * and 20,000 of them end while others start, while the rollout continues as new.
   */
  public static class QuickNodeReboot implements NodeRebootWorkflow {
    @Override
    public NodeResult run(NodeReboot reboot) {
      String node = reboot.target().node();
      NodeResult result = new NodeResult(node, NodeFate.REBOOTED, "back", 300 + Math.floorMod(node.hashCode(), 300));
      NodeRebootWorkflowImpl.report(reboot.target().rollout(), result);
      return result;
    }
  }

  /** Stands in for the stage: keeps the rollout's last progress; ends on any operator signal. */
  public static class RecordingStage implements StageUpgradeWorkflow {
    private RolloutProgress last;
    private boolean done;

    @Override
    public StageStatus run(StageAssignment assignment) {
      Workflow.await(() -> done);
      return null;
    }

    @Override
    public StageStatus status() {
      return StageStatus.pending("production").withReboot(last);
    }

    @Override
    public void operator(OperatorCommand command) {
      done = true;
    }

    @Override
    public void rebootProgress(int done, int total) {}

    @Override
    public void rolloutProgress(RolloutProgress progress) {
      last = progress;
    }
  }

  /** 20,000 platform nodes, read only through pages. */
  static final class PagedNodes implements NodeRebootActivities {
    private final List<PlatformNode> nodes = new ArrayList<>();
    private final AtomicInteger pages;

    PagedNodes(AtomicInteger pages) {
      this.pages = pages;
      for (int s = 0; s < SITES; s++) {
        for (int n = 1; n <= PER_SITE; n++) {
          nodes.add(new PlatformNode("mlab" + n + "-s" + String.format("%04d", s) + ".mlab-oti.measurement-lab.org",
              "s" + String.format("%04d", s)));
        }
      }
      nodes.sort(java.util.Comparator.comparing(PlatformNode::name));
    }

    @Override
    public NodePage pendingNodes(String stage, ReleaseVersion target, String after, int limit) {
      pages.incrementAndGet();
      int from = 0;
      while (after != null && from < nodes.size() && nodes.get(from).name().compareTo(after) <= 0) {
        from++;
      }
      List<PlatformNode> page = nodes.subList(from, Math.min(nodes.size(), from + limit));
      return new NodePage(page, page.isEmpty() ? after : page.get(page.size() - 1).name(),
          from + page.size() < nodes.size(), nodes.size(), 0, 0, List.of());
    }

    @Override
    public NodeObservation observe(NodeTarget node) {
      throw new UnsupportedOperationException();
    }

    @Override
    public DrainResult cordonAndDrain(NodeTarget node) {
      throw new UnsupportedOperationException();
    }

    @Override
    public TriggerOutcome trigger(NodeTarget node, String bootIdBefore) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean uncordon(NodeTarget node) {
      throw new UnsupportedOperationException();
    }
  }

  static final class NoLock implements RebootLockActivities {
    @Override
    public RebootLock acquire(String stage, String holder) {
      return RebootLock.NOT_NEEDED;
    }

    @Override
    public boolean refresh(String stage, String holder) {
      return true;
    }

    @Override
    public boolean release(String stage, String holder) {
      return true;
    }
  }
}
