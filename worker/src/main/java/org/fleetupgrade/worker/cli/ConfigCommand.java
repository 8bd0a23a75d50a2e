package org.fleetupgrade.worker.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.worker.config.ConfigException;
import org.fleetupgrade.worker.config.ConfigLoader;
import org.fleetupgrade.worker.config.FleetConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "config", description = "Work with config files.", subcommands = ConfigCommand.Check.class,
    mixinStandardHelpOptions = true)
public class ConfigCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    return Main.missingCommand(spec.commandLine());
  }

  /** Loads a config, failing with every error in it. Shared by every command that takes --config. */
  static FleetConfig load(Path file) {
    try {
      return ConfigLoader.load(file);
    } catch (ConfigException e) {
      throw invalid(e.errors());
    }
  }

  /** One error on one line (a file that cannot be read, say), several one per line below. */
  static BadInputException invalid(List<String> errors) {
    return new BadInputException(errors.size() == 1 ? "invalid config: " + errors.get(0)
        : "invalid config:\n  " + String.join("\n  ", errors));
  }

  /** {@code file}, or the demo config bundled in the jar when none is given (`demo`, `dev`). */
  static FleetConfig loadOrDemo(Path file) {
    if (file != null) {
      return load(file);
    }
    try {
      return ConfigLoader.demo();
    } catch (ConfigException e) {
      throw new OperationFailedException(String.join("\n", e.errors()));
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Print the resolved config (every default filled in), or every error in it (exit 2).")
  static class Check implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "config file, e.g. config/fleet.yaml")
    Path file;

    @Override
    public Integer call() {
      FleetConfig config = load(file);
      List<String> unreadable = unreadableCredentials(config);
      if (!unreadable.isEmpty()) {
        throw invalid(unreadable);
      }
      System.out.print(ConfigPrinter.print(config));
      return Main.OK;
    }

    /** The token files a worker would read at start for the stages' image pipelines. */
    static List<String> unreadableCredentials(FleetConfig config) {
      List<String> problems = new ArrayList<>();
      for (FleetConfig.Stage stage : config.stages()) {
        stage.images().map(FleetConfig.ImagePipeline::images).map(FleetConfig.Images::tokenFile)
            .filter(token -> !Files.isReadable(Path.of(token)))
            .ifPresent(token -> problems.add(config.source() + ": stages." + stage.name() + ".images.tokenFile: "
                + token + " is not a readable file"));
      }
      return problems;
    }
  }
}
