package org.fleetupgrade.worker.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogSources;
import org.fleetupgrade.changelog.HttpChangelogActivities;
import org.fleetupgrade.changelog.TextFetcher;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.worker.cli.BadInputException;
import org.fleetupgrade.worker.config.FleetConfig;

/**
 * The activity implementations a worker registers for a config. Today that is the simulated fleet
 * for configs with a `simulation` section, with the real changelog reader when the config has a
 * `changelog` section; the other real adapters (Kubernetes, Compute Engine + SSH, image pipeline)
 * plug in here, selected per stage, as they are built.
 */
public final class FleetActivities {

  private FleetActivities() {}

  public static SimulatedFleet simulatedFleet(FleetConfig config, Consumer<String> faultListener) {
    FleetConfig.Simulation simulation = config.simulation().orElseThrow(() -> new BadInputException(
        config.source() + ": stages " + config.stageNames() + " need the real adapters (Kubernetes, Compute Engine"
            + " and SSH, image pipeline), which this build does not have yet; only simulated"
            + " configs (with a 'simulation' section, e.g. config/demo.yaml) can run a worker"));
    return new SimulatedFleet(config.simulatedStages(), simulation.timing(), simulation.faults(),
        simulation.urgentNotes(), faultListener);
  }

  public static List<Object> forConfig(FleetConfig config, Consumer<String> faultListener) {
    return forFleet(config, simulatedFleet(config, faultListener));
  }

  /** The simulated fleet's adapters, with the real changelog reader when the config has a changelog section. */
  public static List<Object> forFleet(FleetConfig config, SimulatedFleet fleet) {
    List<Object> activities = new ArrayList<>(fleet.activities());
    config.changelog().ifPresent(c -> {
      activities.removeIf(a -> a instanceof ChangelogActivities);
      activities.add(new HttpChangelogActivities(new ChangelogSources(c.changelogBase(), c.releaseBase()),
          new TextFetcher(c.timeout(), c.attempts(), Duration.ofSeconds(1))));
    });
    return activities;
  }
}
