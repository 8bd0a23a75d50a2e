package org.fleetupgrade.reboot.trigger;

import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.fleetupgrade.controlplane.ssh.SshFailure;

/**
 * Asks kured to reboot a node by creating its sentinel file over SSH ({@code sudo touch
 * /run/mlab-reboot}). kured looks for the file once per period (1h on M-Lab's platform) and reboots
 * one node of the cluster at a time, so the reboot follows later, not now. Creating the file twice is
 * harmless, so every lost session is simply retried.
 */
public final class SentinelRebootTrigger implements RebootTrigger {

  private final SshCommand command;
  private final String sentinelPath;

  public SentinelRebootTrigger(SshTriggerSettings settings) {
    this.sentinelPath = settings.sentinelPath();
    // The path was checked by the settings: absolute, plain characters, so it is one plain argument.
    this.command = new SshCommand(settings, "sudo touch " + sentinelPath);
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
      throw RebootFailures.ssh(node, e, "");
    }
    if (!run.succeeded()) {
      throw RebootFailures.commandFailed(node, command.command(), run.exitStatus(), run.tail());
    }
    return new TriggerResult(node, method(), "kured-sentinel: created " + sentinelPath
        + "; kured reboots the node at its next check (once per period, one node of the cluster at a time)");
  }

  @Override
  public String method() {
    return RebootMethod.KURED_SENTINEL.configName();
  }

  @Override
  public void close() {
    command.close();
  }
}
