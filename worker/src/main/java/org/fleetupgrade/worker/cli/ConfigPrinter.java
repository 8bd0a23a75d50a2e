package org.fleetupgrade.worker.cli;

import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.config.FleetConfig.Stage;

/** The resolved config as an operator reads it: every default filled in. */
final class ConfigPrinter {

  private ConfigPrinter() {}

  static String print(FleetConfig c) {
    StringBuilder out = new StringBuilder();
    out.append(c.source()).append(": ok\n");
    out.append("temporal: ").append(c.temporal().address()).append(", namespace ").append(c.temporal().namespace())
        .append(", task queue ").append(c.temporal().taskQueue()).append('\n');
    out.append("versions: cni ").append(orDash(c.versions().cni())).append(", crictl ").append(orDash(c.versions().crictl()))
        .append('\n');
    out.append("control plane: ").append(c.controlPlane().namePattern()).append(", ssh user ")
        .append(c.controlPlane().ssh().user()).append(", key ").append(orDash(c.controlPlane().ssh().privateKeyPath()))
        .append(", known_hosts ").append(orDash(c.controlPlane().ssh().knownHostsPath())).append(", connect timeout ")
        .append(c.controlPlane().ssh().connectTimeout()).append('\n');
    out.append("images: ").append(orDash(c.images().repository())).append(" (").append(c.images().configFile())
        .append("), sandbox branches ").append(c.images().sandboxBranchPrefix()).append("*, build timeout ")
        .append(c.images().buildTimeout()).append('\n');
    out.append("changelog: ").append(c.changelog().map(l -> l.changelogBase() + " and " + l.releaseBase() + ", timeout "
        + l.timeout() + ", " + l.attempts() + " attempts").orElse("simulated")).append('\n');
    out.append("health: converge within ").append(c.health().convergenceDeadline()).append(", virtual nodes ")
        .append(c.health().virtualNodeSelector()).append('\n');
    out.append("stages, in promotion order:\n");
    for (int i = 0; i < c.stages().size(); i++) {
      Stage s = c.stages().get(i);
      out.append("  ").append(s.name()).append(": project ").append(s.project()).append(", ").append(s.region())
          .append(" zones ").append(s.zones()).append(", reboot ").append(s.reboot().maxUnavailable())
          .append(" at once/").append(s.reboot().maxPerSite()).append(" per site/wave timeout ")
          .append(s.reboot().waveTimeout()).append(", converge within ").append(s.convergenceDeadline());
      if (i + 1 < c.stages().size()) {
        out.append("\n    then soak ").append(s.soak()).append(" and promote ").append(s.promotion().name().toLowerCase())
            .append(s.window() == null ? "" : " at " + s.window().weekly()).append(" to ").append(c.stages().get(i + 1).name());
      }
      s.simulated().ifPresent(sim -> out.append("\n    simulated: ").append(sim.sites()).append(" sites x ")
          .append(sim.nodesPerSite()).append(" nodes, ").append(sim.virtualNodes()).append(" virtual, at ")
          .append(sim.currentVersion()));
      out.append('\n');
    }
    c.simulation().ifPresent(sim -> out.append("simulation: ").append(sim.faults().size()).append(" injected fault(s)\n"));
    return out.toString();
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }
}
