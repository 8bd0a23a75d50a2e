package org.fleetupgrade.worker.engine;

import java.util.List;
import java.util.function.Consumer;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.worker.cli.BadInputException;
import org.fleetupgrade.worker.config.FleetConfig;

/**
 * The activity implementations a worker registers for a config. Today that is the simulated fleet
 * for configs with a `simulation` section; the real adapters (Kubernetes, Compute Engine + SSH,
 * changelog, image pipeline) plug in here, selected per stage, as they are built.
 */
public final class FleetActivities {

  private FleetActivities() {}

  public static SimulatedFleet simulatedFleet(FleetConfig config, Consumer<String> faultListener) {
    FleetConfig.Simulation simulation = config.simulation().orElseThrow(() -> new BadInputException(
        config.source() + ": stages " + config.stageNames() + " need the real adapters (Kubernetes, Compute Engine"
            + " and SSH, changelog, image pipeline), which this build does not have yet; only simulated"
            + " configs (with a 'simulation' section, e.g. config/demo.yaml) can run a worker"));
    return new SimulatedFleet(config.simulatedStages(), simulation.timing(), simulation.faults(), faultListener);
  }

  public static List<Object> forConfig(FleetConfig config, Consumer<String> faultListener) {
    return simulatedFleet(config, faultListener).activities();
  }
}
