package org.fleetupgrade.controlplane;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.fleetupgrade.activity.TimerHeartbeat;
import org.fleetupgrade.controlplane.script.NodeToolingScript;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.fleetupgrade.controlplane.ssh.ScriptWatch;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.controlplane.ssh.SshFailure;
import org.fleetupgrade.tooling.ToolingResult;
import org.fleetupgrade.version.TargetVersions;

/**
 * The node tooling step for the cloud virtual nodes: strictly one node at a time, and only the nodes
 * whose kubelet does not run the target; a node the script finds already upgraded is counted as such.
 * Each script runs stoppable and reports its progress again every period while silent, as a
 * member's does ({@link SshMemberUpgrader}).
 */
public final class SshNodeToolingUpgrader {

  private final SshExecutor ssh;
  private final String arch;
  private final ReleaseSources sources;
  private final int sshPort;
  private final Duration timeout;

  public SshNodeToolingUpgrader(SshExecutor ssh, String arch, ReleaseSources sources, int sshPort, Duration timeout) {
    this.ssh = ssh;
    this.arch = arch;
    this.sources = sources;
    this.sshPort = sshPort;
    this.timeout = timeout;
  }

  public ToolingResult upgrade(List<VirtualNode> nodes, TargetVersions target, Consumer<UpgradeProgress> progress) {
    return upgrade(nodes, target, progress, TimerHeartbeat.PERIOD);
  }

  /** {@code progressEvery}: how often the last progress is reported again while a script prints nothing. */
  public ToolingResult upgrade(List<VirtualNode> nodes, TargetVersions target, Consumer<UpgradeProgress> progress,
      Duration progressEvery) {
    List<String> upgraded = new ArrayList<>();
    List<String> already = new ArrayList<>();
    for (VirtualNode node : nodes) {
      if (target.kubernetes().equals(node.kubeletVersion())) {
        already.add(node.name());
        continue;
      }
      String script;
      try {
        script = NodeToolingScript.render(target, arch, node.name(), sources, 300);
      } catch (IllegalArgumentException e) {
        throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
            node.name() + ": refusing to build its script: " + e.getMessage(), "InvalidScriptInput");
      }
      SshMemberUpgrader.ProgressReporter reporter = new SshMemberUpgrader.ProgressReporter(node.name(), progress);
      ScriptRun run;
      try {
        run = ssh.runStoppable(node.address(), sshPort, script, timeout, reporter::line,
            new ScriptWatch(progressEvery, reporter::repeat));
      } catch (SshFailure e) {
        throw ScriptFailures.of(e);
      }
      reporter.flush(run.lastStep());
      if (!run.succeeded()) {
        throw ScriptFailures.of(node.name(), run);
      }
      ("already-at-target".equals(run.result()) ? already : upgraded).add(node.name());
    }
    return new ToolingResult(upgraded, already);
  }
}
