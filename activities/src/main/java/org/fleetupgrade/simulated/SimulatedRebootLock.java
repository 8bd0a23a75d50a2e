package org.fleetupgrade.simulated;

import java.time.Instant;
import org.fleetupgrade.reboot.rollout.RebootLock;
import org.fleetupgrade.reboot.rollout.RebootLockActivities;

/** kured's lock in the simulation: free, unless the fault kured-lock-held says a node holds it. */
public class SimulatedRebootLock implements RebootLockActivities {

  private final SimulatedFleet fleet;

  public SimulatedRebootLock(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public RebootLock acquire(String stage, String holder) {
    fleet.cluster(stage);
    if (fleet.fires("kured-lock-held", stage, null)) {
      return new RebootLock(true, false, "mlab3-xyz01 (kured)", Instant.EPOCH, 600);
    }
    fleet.kuredLocks.put(stage, holder);
    return new RebootLock(true, true, null, null, 600);
  }

  @Override
  public boolean refresh(String stage, String holder) {
    return holder.equals(fleet.kuredLocks.get(stage));
  }

  @Override
  public boolean release(String stage, String holder) {
    return fleet.kuredLocks.remove(stage, holder);
  }
}
