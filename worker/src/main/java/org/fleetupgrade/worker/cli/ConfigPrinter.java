package org.fleetupgrade.worker.cli;

import org.fleetupgrade.worker.config.EffectiveConfig;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.config.FleetConfig.Stage;

/** The resolved config as an operator reads it: a summary, then every field with its default filled in. */
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
        .append(c.controlPlane().ssh().connectTimeout())
        .append(c.controlPlane().ssh().acceptCertificatesWithoutPrincipalsFor().isEmpty() ? ""
            : ", host certificates without principals accepted for "
                + String.join(", ", c.controlPlane().ssh().acceptCertificatesWithoutPrincipalsFor())).append('\n');
    out.append("images: ").append(images(c.images())).append('\n');
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
      if (s.simulated().isEmpty()) {
        out.append("\n    images: ").append(s.images().map(p -> pipeline(p, c.images()))
            .orElse("by hand (no images.cloudBuild.triggers): the image step blocks with what to push"));
      }
      out.append('\n');
    }
    c.simulation().ifPresent(sim -> out.append("simulation: ").append(sim.faults().size()).append(" injected fault(s)\n"));
    out.append("\n# effective config: every field, defaults filled in (null: none); it loads as it is\n");
    out.append(EffectiveConfig.yaml(c));
    return out.toString();
  }

  static String images(FleetConfig.Images i) {
    return i.repository() + " (" + i.configFile() + "), token " + (i.tokenFile() != null ? "from file " + i.tokenFile()
        : i.tokenEnv() != null ? "from $" + i.tokenEnv() : "none") + " as " + i.username() + ", main branch "
        + i.mainBranch() + ", branch " + i.branch() + ", author " + i.authorName() + " <" + i.authorEmail() + ">, cache "
        + i.cacheDir() + ", git timeout " + i.gitTimeout() + ", a build appears within " + i.buildAppearTimeout()
        + ", build timeout " + i.buildTimeout() + ", poll every " + i.pollInterval();
  }

  private static String pipeline(FleetConfig.ImagePipeline p, FleetConfig.Images shared) {
    String epoxy = p.ref() == org.fleetupgrade.images.git.RefPolicy.TAG
        ? "; then ePoxy hosts matching " + p.hostPattern() + " in " + p.epoxyProject() + "/" + p.epoxyNamespace()
            + " boot the tag" : "";
    return "ref " + p.ref().name().toLowerCase() + ", built by Cloud Build " + p.buildProject() + "/" + p.buildRegion()
        + " triggers " + p.triggers() + epoxy + (p.images().equals(shared) ? "" : "\n      own images settings: " + images(p.images()));
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }
}
