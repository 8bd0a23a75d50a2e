package org.fleetupgrade.reboot.rollout;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * Starts nodes' {@link NodeRebootWorkflow}s as workflows of their own, not children: a rollout
 * continues as new with nodes in flight, and a child's end would be reported to a run that is
 * closed (the Java test server then leaks its time-skipping lock and every test and the demo
 * stall). Each node reports its end to the rollout by signal instead.
 */
@ActivityInterface(namePrefix = "NodeLaunch")
public interface NodeLaunchActivities {

  /** Most nodes started by one call: keeps its argument far below Temporal's payload limit. */
  int BATCH = 100;

  /**
   * Starts each node's reboot workflow (id {@code <rollout>/<node>}) on this task queue; a node
   * whose workflow already runs is left running (a retry of this activity starts nothing twice).
   */
  @ActivityMethod
  void launch(List<NodeReboot> reboots);
}
