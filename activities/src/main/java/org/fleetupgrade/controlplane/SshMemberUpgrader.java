package org.fleetupgrade.controlplane;

import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.fleetupgrade.activity.TimerHeartbeat;
import org.fleetupgrade.controlplane.script.AdminConfScript;
import org.fleetupgrade.controlplane.script.MemberScriptInputs;
import org.fleetupgrade.controlplane.script.MemberScriptSettings;
import org.fleetupgrade.controlplane.script.MemberUpgradeScript;
import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.fleetupgrade.controlplane.ssh.ScriptWatch;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.controlplane.ssh.SshFailure;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * Upgrades one control-plane member over SSH: renders its script, runs it with a deadline in its own
 * process group on the host, reports progress (the step and the last lines) as it goes and again
 * every heartbeat period while the script is silent, and turns the outcome into a result or a
 * {@link ScriptFailures typed failure}. When reporting progress throws (the activity was cancelled,
 * or its attempt is over) or the deadline passes, the script is stopped on the host.
 */
public final class SshMemberUpgrader {

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
    return upgrade(member, target, progress, TimerHeartbeat.PERIOD);
  }

  /** {@code progressEvery}: how often the last progress is reported again while the script prints nothing. */
  public MemberUpgradeResult upgrade(ControlPlaneMember member, TargetVersions target, Consumer<UpgradeProgress> progress,
      Duration progressEvery) {
    MemberScriptInputs inputs;
    try {
      inputs = new MemberScriptInputs(target, settings.arch(), member.name(), settings.project(), member.internalIp(),
          member.externalIp(), settings.clusterCidr(), settings.serviceCidr(), settings.sources(),
          settings.adminConf(), settings.kubeadmTemplate(), settings.readyzTimeoutSeconds(),
          member.zone(), settings.metadata());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(member.name() + ": refusing to build its script: " + e.getMessage(),
          "InvalidScriptInput");
    }
    ProgressReporter reporter = new ProgressReporter(member.name(), progress);
    ScriptRun run;
    try {
      run = ssh.runStoppable(member.externalIp(), settings.sshPort(), MemberUpgradeScript.render(inputs), timeout,
          reporter::line, new ScriptWatch(progressEvery, reporter::repeat));
    } catch (SshFailure e) {
      throw ScriptFailures.of(e);
    }
    reporter.flush(run.lastStep());
    if (!run.succeeded()) {
      throw ScriptFailures.of(member.name(), run);
    }
    UpgradeMode mode = switch (String.valueOf(run.result())) {
      case "apply" -> UpgradeMode.APPLY;
      case "node" -> UpgradeMode.NODE;
      case "already-at-target" -> UpgradeMode.ALREADY_AT_TARGET;
      default -> throw ApplicationFailure.newNonRetryableFailure(member.name() + ": the script exited 0 without"
          + " reporting what it did (result " + run.result() + "); output ends:\n" + String.join("\n", run.tail()),
          ScriptFailures.SCRIPT_FAILED);
    };
    String note = mode == UpgradeMode.ALREADY_AT_TARGET
        ? "kubelet and static pods already at " + target.kubernetes() + ": nothing done twice"
        : mode == UpgradeMode.APPLY ? "kubeadm upgrade apply " + target.kubernetes()
        : "kubeadm upgrade node";
    String adminConf = reporter.adminConf();
    if ("copied".equals(adminConf)) {
      note += "; admin.conf copied to " + settings.adminConf().destination();
    } else if ("unchanged".equals(adminConf)) {
      note += "; " + settings.adminConf().destination() + " already held this admin.conf";
    } else if (mode == UpgradeMode.APPLY) {
      throw ApplicationFailure.newFailure(member.name() + ": apply succeeded but the script did not say whether"
          + " admin.conf reached " + settings.adminConf().destination() + "; output ends:\n" + String.join("\n", run.tail()),
          ScriptFailures.SCRIPT_FAILED);
    }
    return new MemberUpgradeResult(member.name(), mode, note);
  }

  /**
   * Only the admin.conf step, on a member a new run found done ({@link AdminConfScript}): copied from
   * the member that applied the target unless the bucket holds it; nothing done on another member.
   * Run like the upgrade: its own process group, the host's lock, the deadline, progress as heartbeats.
   */
  public AdminConfResult ensureAdminConf(ControlPlaneMember member, TargetVersions target,
      Consumer<UpgradeProgress> progress, Duration progressEvery) {
    String script;
    try {
      script = AdminConfScript.render(target, member.name(), settings.adminConf());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(member.name() + ": refusing to build its admin.conf script: "
          + e.getMessage(), "InvalidScriptInput");
    }
    ProgressReporter reporter = new ProgressReporter(member.name(), progress);
    ScriptRun run;
    try {
      run = ssh.runStoppable(member.externalIp(), settings.sshPort(), script, timeout, reporter::line,
          new ScriptWatch(progressEvery, reporter::repeat));
    } catch (SshFailure e) {
      throw ScriptFailures.of(e);
    }
    reporter.flush(run.lastStep());
    if (!run.succeeded()) {
      throw ScriptFailures.of(member.name(), run);
    }
    String destination = settings.adminConf().destination();
    String adminConf = reporter.adminConf();
    AdminConfResult.Outcome outcome;
    if (AdminConfScript.NOT_APPLIED_HERE.equals(run.result())) {
      outcome = AdminConfResult.Outcome.NOT_APPLIED_HERE;
    } else if (AdminConfScript.APPLIED_HERE.equals(run.result()) && "copied".equals(adminConf)) {
      outcome = AdminConfResult.Outcome.COPIED;
    } else if (AdminConfScript.APPLIED_HERE.equals(run.result()) && "unchanged".equals(adminConf)) {
      outcome = AdminConfResult.Outcome.ALREADY_HELD;
    } else {
      throw ApplicationFailure.newNonRetryableFailure(member.name() + ": the admin.conf script exited 0 without"
          + " saying what it did (result " + run.result() + ", admin-conf " + adminConf + "); output ends:\n"
          + String.join("\n", run.tail()), ScriptFailures.SCRIPT_FAILED);
    }
    return new AdminConfResult(member.name(), outcome, destination);
  }

  /**
   * Reports on every new step, and otherwise at most once a second, so heartbeats stay cheap; and
   * repeats the last report on request, so that a silent script still heartbeats.
   */
  static final class ProgressReporter {
    private final String member;
    private final Consumer<UpgradeProgress> progress;
    private final Deque<String> last = new ArrayDeque<>();
    private String step;
    private String adminConf;
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
      if (line.startsWith(MemberUpgradeScript.ADMIN_CONF_MARKER)) {
        adminConf = line.substring(MemberUpgradeScript.ADMIN_CONF_MARKER.length()).trim();
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

    /** What the admin.conf step said: copied, unchanged, or null when it did not run. */
    synchronized String adminConf() {
      return adminConf;
    }

    /** The last report again (before any line: the member and no step yet). */
    synchronized void repeat() {
      progress.accept(new UpgradeProgress(member, step, List.copyOf(last)));
    }

    synchronized void flush(String finalStep) {
      progress.accept(new UpgradeProgress(member, finalStep, List.copyOf(last)));
    }
  }
}
