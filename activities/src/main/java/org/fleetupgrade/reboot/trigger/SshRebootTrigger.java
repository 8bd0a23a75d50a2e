package org.fleetupgrade.reboot.trigger;

import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.fleetupgrade.controlplane.ssh.SshFailure;

/**
 * Reboots a node by running the configured command (default {@value
 * SshTriggerSettings#DEFAULT_REBOOT_COMMAND}) over SSH. A reboot often ends the session before the
 * command's exit status arrives, so a session closed without an exit status once the command has
 * started counts as triggered: the bootID the caller waits on says whether it really happened.
 */
public final class SshRebootTrigger implements RebootTrigger {

  private final SshCommand command;

  public SshRebootTrigger(SshTriggerSettings settings) {
    this.command = new SshCommand(settings, settings.rebootCommand());
  }

  @Override
  public TriggerResult trigger(String node) {
    return trigger(node, node);
  }

  @Override
  public TriggerResult trigger(String node, String address) {
    RebootFailures.requireHostName(node);
    RebootFailures.requireHostName(address);
    ScriptRun run;
    try {
      run = command.run(node, address);
    } catch (SshFailure e) {
      if (e.kind() == SshFailure.Kind.CONNECTION && RebootFailures.afterCommandStarted(e)) {
        return new TriggerResult(node, method(), "ssh: connection closed by the reboot before `" + command.command()
            + "` reported an exit status");
      }
      // Still running at the deadline: the node may well be going down; retrying may reboot it twice.
      String consequence = e.kind() == SshFailure.Kind.TIMEOUT && RebootFailures.afterCommandStarted(e)
          ? "`" + command.command() + "` may still reboot the node: compare its bootID before triggering again" : "";
      throw RebootFailures.ssh(node, e, consequence);
    }
    if (!run.succeeded()) {
      throw RebootFailures.commandFailed(node, command.command(), run.exitStatus(), run.tail());
    }
    return new TriggerResult(node, method(), "ssh: `" + command.command() + "` exited 0");
  }

  @Override
  public String method() {
    return RebootMethod.SSH.configName();
  }

  @Override
  public void close() {
    command.close();
  }
}
