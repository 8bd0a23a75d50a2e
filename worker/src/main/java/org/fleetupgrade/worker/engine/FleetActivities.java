package org.fleetupgrade.worker.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.fleetupgrade.alerts.AlertActivities;
import org.fleetupgrade.alerts.prometheus.AlertSource;
import org.fleetupgrade.alerts.prometheus.PrometheusAlertActivities;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogSources;
import org.fleetupgrade.changelog.HttpChangelogActivities;
import org.fleetupgrade.changelog.TextFetcher;
import org.fleetupgrade.controlplane.ControlPlaneActivities;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.images.ImageActivities;
import org.fleetupgrade.preflight.InventoryActivities;
import org.fleetupgrade.reboot.RebootActivities;
import org.fleetupgrade.reboot.node.NodeRebootActivities;
import org.fleetupgrade.reboot.rollout.RebootLockActivities;
import org.fleetupgrade.simulated.SimulatedChangelogActivities;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.tooling.NodeToolingActivities;
import org.fleetupgrade.worker.cli.BadInputException;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.config.FleetConfig.Stage;

/**
 * The activity implementations a worker registers for a config: per stage, the simulated fleet for
 * stages with a `simulated` section and the real adapters for the others, behind one
 * {@link StageRouter} per interface. The changelog is real when the config has a `changelog`
 * section or any real stage, simulated otherwise.
 */
public final class FleetActivities {

  private FleetActivities() {}

  public static SimulatedFleet simulatedFleet(FleetConfig config, Consumer<String> faultListener) {
    FleetConfig.Simulation simulation = config.simulation().orElseThrow(() -> new BadInputException(
        config.source() + ": has no 'simulation' section: `demo` and `dev` run a simulated fleet (e.g. config/demo.yaml)"));
    SimulatedFleet fleet = new SimulatedFleet(config.simulatedStages(), simulation.timing(), simulation.faults(),
        simulation.urgentNotes(), faultListener);
    fleet.latestStable(org.fleetupgrade.version.ReleaseVersion.parse(simulation.latestStable()));
    if (simulation.stateFile() != null) {
      try {
        fleet.keepStateIn(simulation.stateFile());
      } catch (IllegalStateException | java.io.UncheckedIOException e) {
        throw new BadInputException(config.source() + ": simulation.stateFile: " + e.getMessage());
      }
    }
    return fleet;
  }

  public static List<Object> forConfig(FleetConfig config, Consumer<String> faultListener) {
    SimulatedFleet fleet = config.simulated() ? simulatedFleet(config, faultListener) : null;
    return compose(config, fleet);
  }

  /** For `demo`: the simulated fleet it already made, plus the real changelog if configured. */
  public static List<Object> forFleet(FleetConfig config, SimulatedFleet fleet) {
    return compose(config, fleet);
  }

  private static List<Object> compose(FleetConfig config, SimulatedFleet fleet) {
    List<Stage> realStages = config.stages().stream().filter(s -> s.simulated().isEmpty()).toList();
    RealStages real = RealStages.open(config, realStages);
    List<Object> simulated = fleet == null ? List.of() : fleet.activities();
    List<String> simulatedStages = config.stages().stream().filter(s -> s.simulated().isPresent()).map(Stage::name).toList();
    List<Object> activities = new ArrayList<>();
    activities.add(route(InventoryActivities.class, simulated, simulatedStages, real.inventory));
    activities.add(route(ControlPlaneActivities.class, simulated, simulatedStages, real.controlPlane));
    activities.add(route(NodeToolingActivities.class, simulated, simulatedStages, real.tooling));
    activities.add(route(ImageActivities.class, simulated, simulatedStages, real.images));
    activities.add(route(RebootActivities.class, simulated, simulatedStages, real.reboot));
    activities.add(route(NodeRebootActivities.class, simulated, simulatedStages, real.nodes));
    activities.add(route(RebootLockActivities.class, simulated, simulatedStages, real.locks));
    activities.add(route(HealthActivities.class, simulated, simulatedStages, real.health));
    activities.add(alerts(config, fleet));
    activities.add(changelog(config, fleet, !realStages.isEmpty()));
    return activities;
  }

  private static <T> T route(Class<T> type, List<Object> simulated, List<String> simulatedStages, Map<String, T> real) {
    Map<String, T> byStage = new LinkedHashMap<>(real);
    simulated.stream().filter(type::isInstance).map(type::cast).findFirst()
        .ifPresent(adapter -> simulatedStages.forEach(stage -> byStage.put(stage, adapter)));
    return StageRouter.route(type, byStage);
  }

  /**
   * Every stage's alerts: a stage with an {@code alerts} section reads its Prometheus (simulated
   * or not); a simulated stage without one, the simulated fleet's alerts; a real one, none.
   */
  private static AlertActivities alerts(FleetConfig config, SimulatedFleet fleet) {
    Map<String, AlertSource> sources = new LinkedHashMap<>();
    config.stages().stream().filter(s -> s.alerts() != null).forEach(s -> sources.put(s.name(), s.alerts().source()));
    PrometheusAlertActivities prometheus = new PrometheusAlertActivities(sources);
    Map<String, AlertActivities> byStage = new LinkedHashMap<>();
    for (Stage s : config.stages()) {
      byStage.put(s.name(), s.alerts() == null && s.simulated().isPresent() && fleet != null ? fleet.alerts() : prometheus);
    }
    return StageRouter.route(AlertActivities.class, byStage);
  }

  private static ChangelogActivities changelog(FleetConfig config, SimulatedFleet fleet, boolean anyReal) {
    if (config.changelog().isEmpty() && !anyReal && fleet != null) {
      return new SimulatedChangelogActivities(fleet);
    }
    FleetConfig.Changelog c = config.changelog().orElse(new FleetConfig.Changelog(ChangelogSources.DEFAULT_CHANGELOG_BASE,
        ChangelogSources.DEFAULT_RELEASE_BASE, Duration.ofSeconds(20), 3));
    return new HttpChangelogActivities(new ChangelogSources(c.changelogBase(), c.releaseBase()),
        new TextFetcher(c.timeout(), c.attempts(), Duration.ofSeconds(1)));
  }
}
