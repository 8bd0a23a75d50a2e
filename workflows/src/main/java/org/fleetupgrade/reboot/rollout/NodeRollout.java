package org.fleetupgrade.reboot.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.maintenance.MaintenanceWindow;
import org.fleetupgrade.reboot.window.RebootWindow;
import org.fleetupgrade.reboot.window.WindowLimits;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * A stage's rolling reboot: the budget, each node's deadline, where to report progress (the stage
 * workflow's id), and, after a continue-as-new, the window carried over (what is buffered, in flight
 * since when, failed and why) and where the node list was read to. The node list itself is read page
 * by page by the rollout; {@code nodes} is only set in rollouts from before it was paged.
 *
 * @param baselineProblems the stage's problem count before any reboot (-1: not measured yet)
 * @param maintenance when nodes may start rebooting; null: any time
 * @param heartbeatTimeout the stage's bound on its activities' silence (null: their own timeouts), for the
 *     rollout's activities and its nodes' ({@link org.fleetupgrade.fleet.ActivityLiveness})
 * @param alerts the stage's alert gate: no node starts while a blocking alert fires; null: none
 */
public record NodeRollout(String stage, ReleaseVersion target, WindowLimits limits, Duration nodeDeadline,
    List<PlatformNode> nodes, String progressTo, boolean paused, RebootWindow.State window, int baselineProblems,
    long rebootSeconds, int rebootsTimed, Duration firstLook, NodePaging paging, Map<String, Instant> inFlightSince,
    List<String> failedDetails, NodeResult slowest, NodeResult fastest, MaintenanceWindow maintenance,
    Duration heartbeatTimeout, org.fleetupgrade.alerts.AlertGate alerts) {

  public NodeRollout {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    inFlightSince = inFlightSince == null ? Map.of() : Map.copyOf(inFlightSince);
    failedDetails = failedDetails == null ? List.of() : List.copyOf(failedDetails);
  }

  /** A new rollout of a stage's nodes, which it reads itself, page by page. */
  public static NodeRollout start(String stage, ReleaseVersion target, WindowLimits limits, Duration nodeDeadline,
      String progressTo, boolean paused) {
    return new NodeRollout(stage, target, limits, nodeDeadline, List.of(), progressTo, paused, null, -1, 0, 0, null,
        null, null, null, null, null, null, null, null);
  }

  public NodeRollout withFirstLook(Duration look) {
    return new NodeRollout(stage, target, limits, nodeDeadline, nodes, progressTo, paused, window, baselineProblems,
        rebootSeconds, rebootsTimed, look, paging, inFlightSince, failedDetails, slowest, fastest, maintenance,
        heartbeatTimeout, alerts);
  }

  /** No node starts outside {@code window} (nodes in flight when it closes finish). */
  public NodeRollout withMaintenance(MaintenanceWindow window) {
    return new NodeRollout(stage, target, limits, nodeDeadline, nodes, progressTo, paused, this.window, baselineProblems,
        rebootSeconds, rebootsTimed, firstLook, paging, inFlightSince, failedDetails, slowest, fastest, window,
        heartbeatTimeout, alerts);
  }

  public NodeRollout withHeartbeatTimeout(Duration timeout) {
    return new NodeRollout(stage, target, limits, nodeDeadline, nodes, progressTo, paused, window, baselineProblems,
        rebootSeconds, rebootsTimed, firstLook, paging, inFlightSince, failedDetails, slowest, fastest, maintenance,
        timeout, alerts);
  }

  /** No node starts while the stage's blocking alert fires ({@code gate}: null, none). */
  public NodeRollout withAlerts(org.fleetupgrade.alerts.AlertGate gate) {
    return new NodeRollout(stage, target, limits, nodeDeadline, nodes, progressTo, paused, window, baselineProblems,
        rebootSeconds, rebootsTimed, firstLook, paging, inFlightSince, failedDetails, slowest, fastest, maintenance,
        heartbeatTimeout, gate);
  }

  /** What the next run after a continue-as-new starts from. */
  NodeRollout carriedOver(boolean pausedNow, RebootWindow.State windowNow, int baseline, long seconds, int timed,
      NodePaging pagingNow, Map<String, Instant> since, List<String> failures, NodeResult slowestNow,
      NodeResult fastestNow) {
    return new NodeRollout(stage, target, limits, nodeDeadline, List.of(), progressTo, pausedNow, windowNow, baseline,
        seconds, timed, firstLook, pagingNow, since, failures, slowestNow, fastestNow, maintenance, heartbeatTimeout,
        alerts);
  }
}
