package org.fleetupgrade.worker.cli;

import java.io.PrintWriter;
import java.util.List;
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
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok", "1:the operation failed", "2:bad input: nothing was started or changed"})
public class Main implements Callable<Integer> {

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_INPUT = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * gRPC logs through java.util.logging, which the jar's logback configuration does not reach: an unknown host
   * printed some 50 lines of name-resolution warnings before our one line. Held here, as
   * java.util.logging keeps its loggers only weakly.
   */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return cli(args).execute(args);
  }

  /**
   * Every command, in the order `--help` lists them. Not in {@code @Command(subcommands)}: picocli
   * would build every command's model (reflection over each class, its options and their types) on
   * every run, a quarter of a second of CPU here. {@link #command} makes one by name.
   */
  static final List<String> COMMANDS = List.of("demo", "dev", "worker", "review", "start", "status", "list",
      "acknowledge", "approve", "pause", "resume", "retry", "skip", "abort", "images", "schedule", "config", "import");

  /** The command named {@code name} (as its {@code @Command} names it), or null. */
  static Object command(String name) {
    return switch (name) {
      case "demo" -> new DemoCommand();
      case "dev" -> new DevCommand();
      case "worker" -> new WorkerCommand();
      case "review" -> new ReviewCommand();
      case "start" -> new StartCommand();
      case "status" -> new StatusCommand();
      case "list" -> new ListCommand();
      case "acknowledge" -> new OperatorCommands.Acknowledge();
      case "approve" -> new OperatorCommands.Approve();
      case "pause" -> new OperatorCommands.Pause();
      case "resume" -> new OperatorCommands.Resume();
      case "retry" -> new OperatorCommands.Retry();
      case "skip" -> new OperatorCommands.Skip();
      case "abort" -> new OperatorCommands.Abort();
      case "images" -> new ImagesCommand();
      case "schedule" -> new ScheduleCommand();
      case "config" -> new ConfigCommand();
      case "import" -> new ImportCommand();
      default -> null;
    };
  }

  /**
   * The command line for {@code args}: when they start with a command's name, only that command is
   * built (what it parses, prints and answers is the same as in the whole command line, its usage
   * included); otherwise (no command, {@code --help}, {@code -V}, a misspelt one) every command,
   * so the usage lists them all and picocli can suggest one.
   */
  static CommandLine cli(String... args) {
    Object only = args.length > 0 ? command(args[0]) : null;
    return only != null ? cli(List.of(only)) : cli();
  }

  /** The whole command line with its exit codes, for {@link #run} and for tests that capture its output. */
  static CommandLine cli() {
    return cli(COMMANDS.stream().map(Main::command).toList());
  }

  private static CommandLine cli(List<Object> commands) {
    GRPC_LOG.setLevel(Level.SEVERE);
    CommandLine cli = new CommandLine(new Main());
    for (Object command : commands) {
      cli.addSubcommand(command);
    }
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
