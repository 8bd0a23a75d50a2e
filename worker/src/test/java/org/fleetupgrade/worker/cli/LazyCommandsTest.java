package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A command line that builds only the command it runs (start-up time of client commands) is the
 * same command line as the whole one for that command.
 */
class LazyCommandsTest {

  @Test
  void everyNameMakesTheCommandOfThatName() {
    for (String name : Main.COMMANDS) {
      assertThat(new CommandLine(Main.command(name)).getCommandName()).isEqualTo(name);
    }
    assertThat(Main.command("no-such-command")).isNull();
    assertThat(Main.cli().getSubcommands().keySet()).containsExactlyElementsOf(Main.COMMANDS);
  }

  @Test
  void aCommandAloneIsBuiltAloneWithTheSameUsage() {
    for (String name : Main.COMMANDS) {
      CommandLine alone = Main.cli(name, "--help");
      assertThat(alone.getSubcommands().keySet()).containsExactly(name);
      assertThat(alone.getSubcommands().get(name).getUsageMessage())
          .isEqualTo(Main.cli().getSubcommands().get(name).getUsageMessage());
    }
  }

  @Test
  void noCommandOrAnUnknownOneGetsEveryCommand() {
    for (List<String> args : List.of(List.<String>of(), List.of("--help"), List.of("-V"), List.of("stauts"))) {
      assertThat(Main.cli(args.toArray(String[]::new)).getSubcommands().keySet())
          .as(args.toString()).containsExactlyElementsOf(Main.COMMANDS);
    }
  }
}
