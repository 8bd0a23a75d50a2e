package org.fleetupgrade.reboot;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;
import org.fleetupgrade.version.ReleaseVersion;

/** Reboots platform nodes into the new image (kured's sentinel) and waits for them to rejoin. */
@ActivityInterface
public interface RebootActivities {

  /**
   * Reboots the nodes of one wave that are not yet at the target and heartbeats until every one is
   * Ready at the target; nodes already there are not rebooted again.
   */
  @ActivityMethod
  WaveResult rebootWave(String stage, List<String> nodes, ReleaseVersion target);
}
