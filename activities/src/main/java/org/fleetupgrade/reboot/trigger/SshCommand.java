package org.fleetupgrade.reboot.trigger;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.controlplane.ssh.SshFailure;

/**
 * One fixed command run on nodes over the project's {@link SshExecutor}. The command is the SSH exec
 * request itself (the executor's remote command) with an empty standard input, not a script piped
 * to a root shell: a node's sudoers can then allow exactly this command and nothing more.
 */
final class SshCommand implements AutoCloseable {

  private static final String NO_SCRIPT = "";

  private final SshTriggerSettings settings;
  private final String command;
  private final SshExecutor executor;

  SshCommand(SshTriggerSettings settings, String command) {
    this.settings = settings;
    this.command = command;
    this.executor = new SshExecutor(settings.ssh().withRemoteCommand(command));
  }

  String command() {
    return command;
  }

  /**
   * Runs the command on {@code node}, connecting to {@code address} and checking the host key under
   * the node's name ({@link SshExecutor#run(String, String, int, String, java.time.Duration,
   * java.util.function.Consumer)}); returns once it exits, whatever its status.
   */
  ScriptRun run(String node, String address) throws SshFailure {
    return executor.run(address, node, settings.port(), NO_SCRIPT, settings.timeout(), line -> { });
  }

  @Override
  public void close() {
    try {
      executor.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
