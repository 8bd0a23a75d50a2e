package org.fleetupgrade.tooling;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.version.TargetVersions;

/** The cloud virtual nodes do not boot images: their tooling is upgraded in place, one at a time. */
@ActivityInterface
public interface NodeToolingActivities {

  @ActivityMethod
  ToolingResult upgradeVirtualNodes(String stage, TargetVersions target);
}
