package org.fleetupgrade.controlplane;

import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.fleetupgrade.controlplane.script.MemberScriptInputs;
import org.fleetupgrade.controlplane.script.MemberScriptSettings;
import org.fleetupgrade.controlplane.script.MemberUpgradeScript;
import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.controlplane.ssh.SshFailure;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * Upgrades one control-plane member over SSH: renders its script, runs it with a deadline, reports
 * progress (the step and the last lines) as it goes, and turns the outcome into a result or a typed
 * failure: a checksum mismatch, a kubeadm preflight failure, bad instance metadata, a refused host
 * key or login cannot be fixed by retrying; a dropped connection or a slow apiserver can.
 */
public final class SshMemberUpgrader {

  /** Failure types, for retry policies and for operators reading BLOCKED. */
  public static final String CHECKSUM_MISMATCH = "ChecksumMismatch";
  public static final String KUBEADM_PREFLIGHT = "KubeadmPreflightFailed";
  public static final String SCRIPT_FAILED = "UpgradeScriptFailed";
  public static final String SSH_REFUSED = "SshRefused";
  public static final String SSH_UNAVAILABLE = "SshUnavailable";

  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);
  private static final int PROGRESS_LINES = 5;

  private final SshExecutor ssh;
  private final MemberScriptSettings settings;
  private final Duration timeout;

  public SshMemberUpgrader(SshExecutor ssh, MemberScriptSettings settings, Duration timeout) {
    this.ssh = ssh;
    this.settings = settings;
    this.timeout = timeout;
  }

  public MemberUpgradeResult upgrade(ControlPlaneMember member, TargetVersions target, Consumer<UpgradeProgress> progress) {
    MemberScriptInputs inputs;
    try {
      inputs = new MemberScriptInputs(target, settings.arch(), member.name(), settings.project(), member.internalIp(),
          member.externalIp(), settings.clusterCidr(), settings.serviceCidr(), settings.sources(),
          settings.adminConfDestination(), settings.kubeadmTemplate(), settings.readyzTimeoutSeconds());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(member.name() + ": refusing to build its script: " + e.getMessage(),
          "InvalidScriptInput");
    }
    ProgressReporter reporter = new ProgressReporter(member.name(), progress);
    ScriptRun run;
    try {
      run = ssh.run(member.externalIp(), settings.sshPort(), MemberUpgradeScript.render(inputs), timeout, reporter::line);
    } catch (SshFailure e) {
      throw e.kind().retryable()
          ? ApplicationFailure.newFailure(e.getMessage(), SSH_UNAVAILABLE)
          : ApplicationFailure.newNonRetryableFailure(e.getMessage(), SSH_REFUSED);
    }
    reporter.flush(run.lastStep());
    if (!run.succeeded()) {
      throw failure(member.name(), run);
    }
    UpgradeMode mode = switch (String.valueOf(run.result())) {
      case "apply" -> UpgradeMode.APPLY;
      case "node" -> UpgradeMode.NODE;
      case "already-at-target" -> UpgradeMode.ALREADY_AT_TARGET;
      default -> throw ApplicationFailure.newNonRetryableFailure(member.name() + ": the script exited 0 without"
          + " reporting what it did (result " + run.result() + "); output ends:\n" + String.join("\n", run.tail()),
          SCRIPT_FAILED);
    };
    String note = mode == UpgradeMode.ALREADY_AT_TARGET
        ? "kubelet and static pods already at " + target.kubernetes() + ": nothing done twice"
        : mode == UpgradeMode.APPLY ? "kubeadm upgrade apply " + target.kubernetes() + ", admin.conf copied"
        : "kubeadm upgrade node";
    return new MemberUpgradeResult(member.name(), mode, note);
  }

  static ApplicationFailure failure(String member, ScriptRun run) {
    String tail = String.join("\n", run.tail());
    String what = member + ": upgrade script failed at step " + run.lastStep() + " (exit " + run.exitStatus() + ")";
    if (run.exitStatus() == MemberUpgradeScript.CHECKSUM_MISMATCH) {
      return ApplicationFailure.newNonRetryableFailure(what + ": a download does not match its published checksum;"
          + " output ends:\n" + tail, CHECKSUM_MISMATCH);
    }
    if ("kubeadm-upgrade".equals(run.lastStep()) && tail.contains("preflight")) {
      return ApplicationFailure.newNonRetryableFailure(what + ": kubeadm preflight checks failed; output ends:\n" + tail,
          KUBEADM_PREFLIGHT);
    }
    if (run.exitStatus() == MemberUpgradeScript.BAD_METADATA) {
      return ApplicationFailure.newNonRetryableFailure(what + "; output ends:\n" + tail, SCRIPT_FAILED);
    }
    return ApplicationFailure.newFailure(what + "; output ends:\n" + tail, SCRIPT_FAILED);
  }

  /** Reports on every new step, and otherwise at most once a second, so heartbeats stay cheap. */
  private static final class ProgressReporter {
    private final String member;
    private final Consumer<UpgradeProgress> progress;
    private final Deque<String> last = new ArrayDeque<>();
    private String step;
    private Instant lastReport = Instant.EPOCH;

    ProgressReporter(String member, Consumer<UpgradeProgress> progress) {
      this.member = member;
      this.progress = progress;
    }

    synchronized void line(String line) {
      last.addLast(line);
      while (last.size() > PROGRESS_LINES) {
        last.removeFirst();
      }
      boolean newStep = line.startsWith("==> step ");
      if (newStep) {
        step = line.substring("==> step ".length()).trim();
      }
      Instant now = Instant.now();
      if (newStep || Duration.between(lastReport, now).compareTo(PROGRESS_EVERY) >= 0) {
        lastReport = now;
        progress.accept(new UpgradeProgress(member, step, List.copyOf(last)));
      }
    }

    synchronized void flush(String finalStep) {
      progress.accept(new UpgradeProgress(member, finalStep, List.copyOf(last)));
    }
  }
}
