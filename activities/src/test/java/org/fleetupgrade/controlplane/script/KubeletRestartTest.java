package org.fleetupgrade.controlplane.script;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts' kubelet swap, run for real by bash: the script's own text from the download of
 * kubelet and kubectl to the start of the new kubelet, with systemctl, install and the downloads
 * played by shell functions that log what they are asked (and fail where a case says so).
 */
class KubeletRestartTest {

  @TempDir
  Path dir;

  @BeforeEach
  void bash() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
  }

  /** Runs the swap with {@code failing} (a function name and its argument) failing; returns exit status and the log. */
  private Run swap(String failing) throws Exception {
    String script = NodeToolingScript.render(TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0"), "amd64",
        "vm-1.mlab-sandbox.measurement-lab.org", ReleaseSources.OFFICIAL, 300);
    String preamble = TestLockFile.in(dir, script.substring(0, script.indexOf("step check-current")));
    String swap = script.substring(script.indexOf("step download-kubelet-kubectl"), script.indexOf("step kubeadm-upgrade"))
        + script.substring(script.indexOf("step stop-kubelet"), script.indexOf("step wait-kubelet"));
    String log = dir.resolve("calls.log").toString();
    String stubs = """
        log() { echo "$*" >> %s; }
        fails() { [ "$*" = %s ]; }
        fetch_verified() { log "fetch $1"; if fails "fetch_verified ${1##*/}"; then exit 42; fi; : > "$2"; }
        systemctl() { log "systemctl $*"; if fails "systemctl $*"; then return 1; fi; }
        install() {
          log "install ${@: -1}"
          if fails "install ${@: -1}"; then return 1; fi
          if fails "SIGTERM during install ${@: -1}"; then kill -TERM $$; fi
        }
        cp() { local to="${@: -1}"; log "cp ${@: -2:1} to WORK/${to##*/}"; : > "$to"; }
        """.formatted(ShellValues.quote(log), ShellValues.quote(failing));
    Path run = dir.resolve("swap.sh");
    Files.writeString(run, preamble + stubs + swap + "echo swapped\n");
    Process bash = new ProcessBuilder("/bin/bash", run.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    List<String> calls = Files.exists(dir.resolve("calls.log")) ? Files.readAllLines(dir.resolve("calls.log")) : List.of();
    return new Run(bash.exitValue(), output, calls);
  }

  record Run(int exit, String output, List<String> calls) {}

  @Test
  void aFailedDownloadStopsNothing() throws Exception {
    Run run = swap("fetch_verified kubectl");

    assertThat(run.exit()).isEqualTo(MemberUpgradeScript.CHECKSUM_MISMATCH);
    assertThat(run.calls()).noneMatch(c -> c.startsWith("systemctl"));
  }

  @Test
  void aFailureAfterKubeletStoppedStartsThePreviousKubeletAgainAndSaysSo() throws Exception {
    Run run = swap("install /opt/bin/kubectl");

    assertThat(run.exit()).isNotZero();
    assertThat(run.calls()).containsSubsequence("systemctl stop kubelet", "install /opt/bin/kubelet",
        "install /opt/bin/kubectl", "install /opt/bin/kubelet", "systemctl start kubelet");
    assertThat(run.output()).contains("failed after kubelet was stopped (exit 1): the previous kubelet was started again")
        .doesNotContain("swapped");
  }

  @Test
  void aScriptStoppedAfterKubeletStoppedStartsThePreviousKubeletAgain() throws Exception {
    // fleet-upgrade stops a cancelled or timed-out run with SIGTERM to its process group
    Run run = swap("SIGTERM during install /opt/bin/kubectl");

    assertThat(run.exit()).isEqualTo(143);
    assertThat(run.calls()).containsSubsequence("systemctl stop kubelet", "install /opt/bin/kubectl",
        "install /opt/bin/kubelet", "systemctl start kubelet");
    assertThat(run.output()).contains("stopped by SIGTERM",
        "failed after kubelet was stopped (exit 143): the previous kubelet was started again").doesNotContain("swapped");
  }

  @Test
  void whenThePreviousKubeletDoesNotStartEitherTheErrorSaysThat() throws Exception {
    Run run = swap("systemctl start kubelet");

    assertThat(run.exit()).isNotZero();
    assertThat(run.output()).contains("and the previous kubelet did not start");
  }

  @Test
  void aSwapThatWorksStartsTheNewKubeletOnceAndRestoresNothing() throws Exception {
    Run run = swap("nothing");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.calls()).containsExactly(
        "fetch " + ReleaseSources.OFFICIAL.kubernetes() + "/v1.34.4/bin/linux/amd64/kubelet",
        "fetch " + ReleaseSources.OFFICIAL.kubernetes() + "/v1.34.4/bin/linux/amd64/kubectl",
        "cp /opt/bin/kubelet to WORK/kubelet.previous",
        "systemctl stop kubelet", "install /opt/bin/kubelet", "install /opt/bin/kubectl", "systemctl daemon-reload",
        "systemctl start kubelet");
  }
}
