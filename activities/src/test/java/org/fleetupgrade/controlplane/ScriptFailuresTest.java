package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.fleetupgrade.controlplane.script.MemberUpgradeScript;
import org.fleetupgrade.controlplane.ssh.ScriptRun;
import org.junit.jupiter.api.Test;

/** How the scripts' up-front check failures become activity failures: both say the host is untouched. */
class ScriptFailuresTest {

  private static ApplicationFailure failed(int exit, String step, String line) {
    return ScriptFailures.of("vm-1", new ScriptRun(exit, step, null, List.of("==> step " + step, line)));
  }

  @Test
  void tooLittleDiskSpaceIsNotRetriedAndSaysNothingChanged() {
    ApplicationFailure e = failed(MemberUpgradeScript.NO_DISK_SPACE, "check-disk-space",
        "not enough disk space in /opt/bin: 300 MB free, 512 MB needed");

    assertThat(e.isNonRetryable()).as("a retry reads the same disk").isTrue();
    assertThat(e.getType()).isEqualTo(ScriptFailures.SCRIPT_FAILED);
    assertThat(e.getOriginalMessage()).startsWith("vm-1: script failed at step check-disk-space (exit 47) before"
        + " changing anything on the host: not enough free disk space, which a retry does not change")
        .endsWith("not enough disk space in /opt/bin: 300 MB free, 512 MB needed");
  }

  @Test
  void aDownloadThatDoesNotAnswerIsRetriedAndSaysNothingChanged() {
    ApplicationFailure e = failed(MemberUpgradeScript.DOWNLOAD_UNAVAILABLE, "check-downloads",
        "download https://dl.k8s.io/release/v1.34.4/bin/linux/amd64/kubelet does not answer: curl: (6) Could not resolve host");

    assertThat(e.isNonRetryable()).as("the network may come back").isFalse();
    assertThat(e.getType()).isEqualTo(ScriptFailures.SCRIPT_FAILED);
    assertThat(e.getOriginalMessage()).startsWith("vm-1: script failed at step check-downloads (exit 48) before"
        + " changing anything on the host: a download does not answer")
        .contains("v1.34.4/bin/linux/amd64/kubelet does not answer");
  }

  @Test
  void anotherScriptHoldingTheHostIsRetriedAndSaysNothingChanged() {
    ApplicationFailure e = failed(MemberUpgradeScript.ANOTHER_SCRIPT_RUNNING, "host-lock",
        "another fleet-upgrade script holds /run/fleet-upgrade.lock since 2026-11-28T02:00:00Z (pid 4242): not running"
            + " a second one");

    assertThat(e.isNonRetryable()).as("the other run ends, or is stopped").isFalse();
    assertThat(e.getNextRetryDelay()).as("a minute apart: the step's quick retries would all be spent")
        .isEqualTo(java.time.Duration.ofMinutes(1));
    assertThat(e.getType()).isEqualTo(ScriptFailures.ANOTHER_SCRIPT_RUNNING);
    assertThat(e.getOriginalMessage()).startsWith("vm-1: script failed at step host-lock (exit 49) before changing"
        + " anything on the host: another fleet-upgrade script runs there")
        .endsWith("since 2026-11-28T02:00:00Z (pid 4242): not running a second one");
  }
}
