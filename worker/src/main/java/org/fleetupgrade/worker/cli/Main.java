package org.fleetupgrade.worker.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * fleet-upgrade: start, steer and watch staged Kubernetes fleet upgrades on Temporal. Exit codes:
 * 0 ok, 1 the operation failed, 2 bad input (nothing was started or changed).
 */
@Command(name = "fleet-upgrade", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Staged, durable Kubernetes fleet upgrades on Temporal (sandbox -> staging -> production).",
    subcommands = {
      DemoCommand.class, DevCommand.class, WorkerCommand.class, ReviewCommand.class, StartCommand.class,
      StatusCommand.class, ListCommand.class, OperatorCommands.Acknowledge.class, OperatorCommands.Approve.class, OperatorCommands.Pause.class, OperatorCommands.Resume.class,
      OperatorCommands.Retry.class, OperatorCommands.Skip.class, OperatorCommands.Abort.class, ImagesCommand.class, ScheduleCommand.class, ConfigCommand.class,
      ImportCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok", "1:the operation failed", "2:bad input: nothing was started or changed"})
public class Main implements Callable<Integer> {

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_INPUT = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * gRPC logs through java.util.logging, which the jar's logback.xml does not reach: an unknown host
   * printed some 50 lines of name-resolution warnings before our one line. Held here, as
   * java.util.logging keeps its loggers only weakly.
   */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return cli().execute(args);
  }

  /** The command line with its exit codes, for {@link #run} and for tests that capture its output. */
  static CommandLine cli() {
    GRPC_LOG.setLevel(Level.SEVERE);
    CommandLine cli = new CommandLine(new Main());
    // `start -V` printed nothing: a subcommand's -V has no version of its own unless given one.
    giveVersion(cli);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (e instanceof BadInputException) {
        err.println("fleet-upgrade: " + e.getMessage());
        return BAD_INPUT;
      }
      if (e instanceof OperationFailedException) {
        err.println("fleet-upgrade: " + e.getMessage());
        return FAILED;
      }
      err.println("fleet-upgrade: " + e);
      e.printStackTrace(err);
      return FAILED;
    });
    return cli;
  }

  private static void giveVersion(CommandLine command) {
    command.getCommandSpec().versionProvider(new Version());
    command.getSubcommands().values().forEach(Main::giveVersion);
  }

  /** No command is bad input: say so, show what there is, exit 2 (it was 0). */
  @Override
  public Integer call() {
    return missingCommand(spec.commandLine());
  }

  static int missingCommand(CommandLine commandLine) {
    PrintWriter err = commandLine.getErr();
    err.println("fleet-upgrade: " + (commandLine.getParent() == null ? "" : commandLine.getCommandName() + ": ")
        + "a command is required");
    commandLine.usage(err);
    return BAD_INPUT;
  }

  static class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"fleet-upgrade " + (v == null ? "dev" : v)};
    }
  }
}
