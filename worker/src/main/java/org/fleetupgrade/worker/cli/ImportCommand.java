package org.fleetupgrade.worker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.worker.config.ConfigException;
import org.fleetupgrade.worker.config.ConfigLoader;
import org.fleetupgrade.worker.config.FleetImport;
import org.fleetupgrade.worker.config.FleetImport.Change;
import org.fleetupgrade.worker.config.FleetImport.Disagreement;
import org.fleetupgrade.worker.config.FleetImport.Plan;
import org.fleetupgrade.worker.config.ShellConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Adopts what the operator's files already say: reads k8s-support's k8s_deploy.conf (and
 * epoxy-images' config.sh), never running them, and writes the versions and per-project settings
 * into the fleet config in place. {@link FleetImport} says which variable goes where.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Read k8s_deploy.conf (and epoxy-images config.sh) into the fleet config: versions, control-plane"
        + " settings and each stage's region, zones and admin.conf bucket, edited in place (comments kept).",
        "Prints one line per change (path: old -> new (from FILE:LINE)). Refuses (exit 2, nothing written) a"
        + " disagreement between the two files without --prefer, a downgrade without --allow-downgrade, a malformed"
        + " line, and a result the config loader would reject."})
public class ImportCommand implements Callable<Integer> {

  @Option(names = "--k8s-deploy-conf", required = true, paramLabel = "FILE",
      description = "k8s-support's manage-cluster/k8s_deploy.conf")
  Path k8sDeployConf;

  @Option(names = "--epoxy-config", paramLabel = "FILE", description = "epoxy-images' config.sh")
  Path epoxyConfig;

  @Option(names = "--into", paramLabel = "FILE", defaultValue = "config/fleet.yaml",
      description = "the fleet config to update (default: ${DEFAULT-VALUE})")
  Path into;

  @Option(names = "--prefer", paramLabel = "k8s-deploy|epoxy",
      description = "which file wins where the two set a version differently")
  String prefer;

  @Option(names = "--allow-downgrade", description = "write versions older than the config's")
  boolean allowDowngrade;

  @Option(names = "--dry-run", description = "print what would change; write nothing")
  boolean dryRun;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    FleetImport.Prefer preferred = null;
    if (prefer != null) {
      try {
        preferred = FleetImport.Prefer.parse(prefer);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
    }
    ShellConfig k8sDeploy = shell(k8sDeployConf, "--k8s-deploy-conf");
    ShellConfig epoxy = epoxyConfig == null ? null : shell(epoxyConfig, "--epoxy-config");
    String original = read(into, "--into");
    Plan plan;
    try {
      plan = FleetImport.plan(k8sDeploy, epoxy, into, original, preferred);
    } catch (ConfigException e) {
      throw new BadInputException("cannot import:\n  " + String.join("\n  ", e.errors()));
    }

    plan.disagreements().forEach(d -> out.println(d.describe()));
    plan.changes().forEach(c -> out.println(c.describe()));
    plan.notes().forEach(n -> out.println("note: " + n));
    out.flush();

    List<Disagreement> unsettled = plan.unsettled();
    if (!unsettled.isEmpty()) {
      throw new BadInputException(k8sDeployConf + " and " + epoxyConfig + " disagree on "
          + String.join(", ", unsettled.stream().map(Disagreement::variable).toList())
          + ": say which wins with --prefer k8s-deploy or --prefer epoxy; nothing written");
    }
    List<Change> downgrades = plan.downgrades();
    if (!downgrades.isEmpty() && !allowDowngrade) {
      throw new BadInputException("refusing to downgrade " + String.join(", ", downgrades.stream()
          .map(c -> c.path() + " " + c.from() + " -> " + c.to()).toList())
          + " (--allow-downgrade writes " + (downgrades.size() == 1 ? "it" : "them") + " anyway); nothing written");
    }
    if (plan.changes().isEmpty()) {
      out.println(into + ": nothing to change");
      return Main.OK;
    }
    String edited;
    try {
      edited = plan.result();
    } catch (ConfigException e) {
      throw new BadInputException("cannot import:\n  " + String.join("\n  ", e.errors()));
    }
    String count = plan.changes().size() + (plan.changes().size() == 1 ? " change" : " changes");
    if (dryRun) {
      out.println("--dry-run: " + into + " not written (" + count + ")");
      return Main.OK;
    }
    try {
      FleetImport.write(into, original, edited);
    } catch (IOException e) {
      throw new OperationFailedException("cannot write " + into + ": " + e.getMessage());
    }
    out.println("wrote " + into + " (" + count + ")");
    return Main.OK;
  }

  private static ShellConfig shell(Path file, String option) {
    try {
      return ShellConfig.parse(file.toString(), read(file, option));
    } catch (ConfigException e) {
      throw new BadInputException("cannot read " + file + ":\n  " + String.join("\n  ", e.errors()));
    }
  }

  private static String read(Path file, String option) {
    try {
      return ConfigLoader.readText(file);
    } catch (ConfigException e) {
      throw new BadInputException(e.getMessage() + " (" + option + ")");
    }
  }
}
