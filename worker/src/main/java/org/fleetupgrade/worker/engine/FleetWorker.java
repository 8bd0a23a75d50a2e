package org.fleetupgrade.worker.engine;

import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.util.List;
import org.fleetupgrade.upgrade.FleetWorkflows;

/** Registers fleet-upgrade's workflows and the given activity implementations on a task queue. */
public final class FleetWorker {

  private FleetWorker() {}

  public static Worker register(WorkerFactory factory, String taskQueue, List<Object> activities) {
    Worker worker = factory.newWorker(taskQueue);
    worker.registerWorkflowImplementationTypes(FleetWorkflows.implementations());
    worker.registerActivitiesImplementations(activities.toArray());
    return worker;
  }
}
