package org.fleetupgrade.reboot.rollout;

import java.time.Duration;
import java.util.List;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.reboot.window.RebootWindow;
import org.fleetupgrade.reboot.window.WindowLimits;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * A stage's rolling reboot: its nodes, the budget, each node's deadline, where to report progress
 * (the stage workflow's id), and, after a continue-as-new, the window carried over.
 *
 * @param baselineProblems the stage's problem count before any reboot (-1: not measured yet)
 */
public record NodeRollout(String stage, ReleaseVersion target, WindowLimits limits, Duration nodeDeadline,
    List<PlatformNode> nodes, String progressTo, boolean paused, RebootWindow.State window, int baselineProblems,
    long rebootSeconds, int rebootsTimed, Duration firstLook) {

  public NodeRollout {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }

  public static NodeRollout start(String stage, ReleaseVersion target, WindowLimits limits, Duration nodeDeadline,
      List<PlatformNode> nodes, String progressTo, boolean paused) {
    return new NodeRollout(stage, target, limits, nodeDeadline, nodes, progressTo, paused, null, -1, 0, 0, null);
  }

  public NodeRollout withFirstLook(Duration look) {
    return new NodeRollout(stage, target, limits, nodeDeadline, nodes, progressTo, paused, window, baselineProblems,
        rebootSeconds, rebootsTimed, look);
  }
}
