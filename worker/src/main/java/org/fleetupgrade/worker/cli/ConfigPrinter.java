package org.fleetupgrade.worker.cli;

import org.fleetupgrade.worker.config.EffectiveConfig;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.config.FleetConfig.Stage;
import org.fleetupgrade.status.Text;

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
        .append(Text.duration(c.controlPlane().ssh().connectTimeout()))
        .append(c.controlPlane().ssh().acceptCertificatesWithoutPrincipalsFor().isEmpty() ? ""
            : ", host certificates without principals accepted for "
                + String.join(", ", c.controlPlane().ssh().acceptCertificatesWithoutPrincipalsFor())).append('\n');
    out.append("images: ").append(images(c.images())).append('\n');
    out.append("changelog: ").append(c.changelog().map(l -> l.changelogBase() + " and " + l.releaseBase() + ", timeout "
        + Text.duration(l.timeout()) + ", " + Text.count(l.attempts(), "attempt")).orElse("simulated")).append('\n');
    out.append("health: converge within ").append(Text.duration(c.health().convergenceDeadline())).append(", virtual nodes ")
        .append(c.health().virtualNodeSelector()).append('\n');
    out.append("stages, in promotion order:\n");
    for (int i = 0; i < c.stages().size(); i++) {
      Stage s = c.stages().get(i);
      out.append("  ").append(s.name()).append(": project ").append(s.project()).append(", ").append(s.region())
          .append(" zones ").append(s.zones()).append(", reboot ").append(s.reboot().maxUnavailable())
          .append(" at once/").append(s.reboot().maxPerSite()).append(" per site/wave timeout ")
          .append(Text.duration(s.reboot().waveTimeout())).append(", converge within ")
          .append(Text.duration(s.convergenceDeadline()));
      if (i + 1 < c.stages().size()) {
        out.append("\n    then soak ").append(Text.duration(s.soak())).append(" and promote ").append(s.promotion().name().toLowerCase())
            .append(s.window() == null ? "" : " at " + s.window().weekly()).append(" to ").append(c.stages().get(i + 1).name());
      }
      s.simulated().ifPresent(sim -> out.append("\n    simulated: ").append(Text.count(sim.sites(), "site")).append(" x ")
          .append(Text.count(sim.nodesPerSite(), "node")).append(", ").append(sim.virtualNodes()).append(" virtual, at ")
          .append(sim.currentVersion()));
      if (s.simulated().isEmpty()) {
        out.append("\n    images: ").append(s.images().map(p -> pipeline(p, c.images()))
            .orElse("by hand (no images.cloudBuild.triggers): the image step blocks with what to push"));
      }
      out.append('\n');
    }
    c.simulation().ifPresent(sim -> out.append("simulation: ").append(Text.count(sim.faults().size(), "injected fault"))
        .append('\n'));
    out.append("\n# effective config: every field, defaults filled in (null: none); it loads as it is\n");
    out.append(EffectiveConfig.yaml(c));
    return out.toString();
  }

  static String images(FleetConfig.Images i) {
    return i.repository() + " (" + i.configFile() + "), token " + (i.tokenFile() != null ? "from file " + i.tokenFile()
        : i.tokenEnv() != null ? "from $" + i.tokenEnv() : "none") + " as " + i.username() + ", main branch "
        + i.mainBranch() + ", branch " + i.branch() + ", author " + i.authorName() + " <" + i.authorEmail() + ">, cache "
        + i.cacheDir() + ", git timeout " + Text.duration(i.gitTimeout()) + ", a build appears within "
        + Text.duration(i.buildAppearTimeout()) + ", build timeout " + Text.duration(i.buildTimeout()) + ", poll every "
        + Text.duration(i.pollInterval());
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
