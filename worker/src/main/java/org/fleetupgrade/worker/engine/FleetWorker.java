package org.fleetupgrade.worker.engine;

import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.util.List;
import org.fleetupgrade.reboot.rollout.TemporalNodeLauncher;
import org.fleetupgrade.upgrade.FleetWorkflows;

/**
 * Registers fleet-upgrade's workflows and the given activity implementations on a task queue, and
 * those that talk to Temporal through this worker's client: the launcher that starts nodes' reboot
 * workflows and the weekly promotion's look for waiting upgrades.
 */
public final class FleetWorker {

  private FleetWorker() {}

  public static Worker register(WorkerFactory factory, String taskQueue, List<Object> activities) {
    Worker worker = factory.newWorker(taskQueue);
    worker.registerWorkflowImplementationTypes(FleetWorkflows.implementations());
    List<Object> all = new java.util.ArrayList<>(activities);
    all.add(new TemporalNodeLauncher(factory.getWorkflowClient()));
    all.add(new org.fleetupgrade.promotion.TemporalPromotionActivities(factory.getWorkflowClient()));
    worker.registerActivitiesImplementations(all.toArray());
    return worker;
  }
}
