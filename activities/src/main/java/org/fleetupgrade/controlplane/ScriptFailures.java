package org.fleetupgrade.controlplane;

import io.temporal.failure.ApplicationFailure;
import org.fleetupgrade.controlplane.script.MemberUpgradeScript;
import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.fleetupgrade.controlplane.ssh.SshFailure;

/**
 * Turns what happened to a script into the failure an activity throws: what retrying cannot fix is
 * non-retryable (a checksum mismatch, a kubeadm preflight failure, bad instance metadata, a full
 * disk, a refused host key or login), the rest is retried (a download that does not answer, or a
 * host where another fleet-upgrade script still runs, too);
 * every message carries where and the output's tail, and says when nothing on the host was changed.
 */
public final class ScriptFailures {

  public static final String CHECKSUM_MISMATCH = "ChecksumMismatch";
  public static final String KUBEADM_PREFLIGHT = "KubeadmPreflightFailed";
  public static final String SCRIPT_FAILED = "UpgradeScriptFailed";
  public static final String SSH_REFUSED = "SshRefused";
  public static final String SSH_UNAVAILABLE = "SshUnavailable";
  public static final String ANOTHER_SCRIPT_RUNNING = "AnotherScriptRunning";
  /** How long a retry waits for a host where another fleet-upgrade script still runs. */
  static final java.time.Duration HOST_BUSY_RETRY = java.time.Duration.ofMinutes(1);

  private ScriptFailures() {}

  static ApplicationFailure of(SshFailure e) {
    return e.kind().retryable()
        ? ApplicationFailure.newFailure(e.getMessage(), SSH_UNAVAILABLE)
        : ApplicationFailure.newNonRetryableFailure(e.getMessage(), SSH_REFUSED);
  }

  static ApplicationFailure of(String host, ScriptRun run) {
    String tail = String.join("\n", run.tail());
    String what = host + ": script failed at step " + run.lastStep() + " (exit " + run.exitStatus() + ")";
    if (run.exitStatus() == MemberUpgradeScript.CHECKSUM_MISMATCH) {
      return ApplicationFailure.newNonRetryableFailure(what + ": a download does not match its published checksum;"
          + " output ends:\n" + tail, CHECKSUM_MISMATCH);
    }
    if ("kubeadm-upgrade".equals(run.lastStep()) && tail.contains("preflight")) {
      return ApplicationFailure.newNonRetryableFailure(what + ": kubeadm preflight checks failed; output ends:\n" + tail,
          KUBEADM_PREFLIGHT);
    }
    if (run.exitStatus() == MemberUpgradeScript.BAD_METADATA || run.exitStatus() == MemberUpgradeScript.BAD_TEMPLATE
        || run.exitStatus() == MemberUpgradeScript.TOOL_DOWNGRADE) {
      // The host's metadata or template is wrong: nothing was changed on it, and a retry reads the same.
      return ApplicationFailure.newNonRetryableFailure(what + " before changing anything on the host; output ends:\n"
          + tail, SCRIPT_FAILED);
    }
    if (run.exitStatus() == MemberUpgradeScript.NO_DISK_SPACE) {
      // Found before the first download: nothing changed, and a retry would read the same full disk.
      return ApplicationFailure.newNonRetryableFailure(what + " before changing anything on the host: not enough free"
          + " disk space, which a retry does not change (free space on the host first); output ends:\n" + tail,
          SCRIPT_FAILED);
    }
    if (run.exitStatus() == MemberUpgradeScript.ANOTHER_SCRIPT_RUNNING) {
      // An earlier attempt still runs there: it ends, or is stopped when cancelled or timed out, and
      // a retry then finds the host free (and the work done, if it was). Retried a minute apart, not
      // at the step's quick backoff: a kubeadm run takes minutes, and the retries would all be spent.
      return ApplicationFailure.newBuilder().setMessage(what + " before changing anything on the host: another"
          + " fleet-upgrade script runs there (retried in " + HOST_BUSY_RETRY.toSeconds() + "s: it ends or is stopped);"
          + " output ends:\n" + tail).setType(ANOTHER_SCRIPT_RUNNING).setNextRetryDelay(HOST_BUSY_RETRY).build();
    }
    if (run.exitStatus() == MemberUpgradeScript.DOWNLOAD_UNAVAILABLE) {
      // A release host or the network may be down for a while: retried, and the host is untouched meanwhile.
      return ApplicationFailure.newFailure(what + " before changing anything on the host: a download does not answer"
          + " (retried, as the network may recover); output ends:\n" + tail, SCRIPT_FAILED);
    }
    return ApplicationFailure.newFailure(what + "; output ends:\n" + tail, SCRIPT_FAILED);
  }
}
