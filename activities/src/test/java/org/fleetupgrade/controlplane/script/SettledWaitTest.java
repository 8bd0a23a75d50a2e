package org.fleetupgrade.controlplane.script;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member script's wait for a settled member, run for real by bash: the script's own functions,
 * with the local apiserver's /version and kubectl played by shell functions that answer with the
 * old version for a few looks, and sleep moving bash's clock instead of waiting.
 */
class SettledWaitTest {

  static final String MEMBER = "api-platform-cluster-us-east1-b";

  @TempDir
  Path dir;

  @BeforeEach
  void tools() throws java.io.IOException {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v jq").redirectErrorStream(true).start().onExit().join()
        .exitValue() == 0, "needs jq (.ci/run installs it)");
  }

  /** Runs wait_settled; the apiserver reports the old version for {@code oldLooks} looks, {@code scheduler} runs that image. */
  private Run waitSettled(int oldLooks, String scheduler) throws Exception {
    MemberScriptInputs in = new MemberScriptInputs(TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0"), "amd64", MEMBER,
        "mlab-oti", "10.142.0.2", "35.237.10.1", "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"), "/opt/mlab/conf/kubeadm-config.yml.template", 60, "us-east1-b",
        HostMetadata.MLAB);
    String script = MemberUpgradeScript.render(in);
    String preamble = TestLockFile.in(dir, script.substring(0, script.indexOf("step check-current")));
    String stubs = """
        COUNT=%s
        curl() {  # called in a command substitution: counts in a file, not a variable
          local n=$(( $(cat "$COUNT" 2>/dev/null || echo 0) + 1 ))
          echo "$n" > "$COUNT"
          if [ "$n" -le %d ]; then echo '{"gitVersion":"v1.33.1"}'; else echo '{"gitVersion":"v1.34.4"}'; fi
        }
        /opt/bin/kubectl() {
          case "$*" in
            *kube-scheduler-*) echo "%s true" ;;
            *) echo "registry.k8s.io/${7%%%%-api-platform*}:v1.34.4 true" ;;
          esac
        }
        sleep() { SECONDS=$((SECONDS + $1)); }
        """.formatted(ShellValues.quote(dir.resolve("looks").toString()), oldLooks, scheduler);
    Path run = dir.resolve("settled.sh");
    Files.writeString(run, preamble + stubs + "wait_settled\necho \"looks: $(cat \"$COUNT\")\"\n");
    Process bash = new ProcessBuilder("/bin/bash", run.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(bash.exitValue(), new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  record Run(int exit, String output) {}

  @Test
  void aReadyApiserverOfTheOldVersionIsWaitedForUntilTheNewOneAnswers() throws Exception {
    Run run = waitSettled(3, "registry.k8s.io/kube-scheduler:v1.34.4");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("settled: the apiserver and this member's static pods run v1.34.4", "looks: 4");
  }

  @Test
  void aStaticPodStillOnTheOldImageAtTheDeadlineIsNamed() throws Exception {
    Run run = waitSettled(0, "registry.k8s.io/kube-scheduler:v1.33.1");

    assertThat(run.exit()).isEqualTo(MemberUpgradeScript.NOT_READY);
    assertThat(run.output()).contains("not settled at v1.34.4 after 60s: kube-scheduler-" + MEMBER
        + " runs 'registry.k8s.io/kube-scheduler:v1.33.1' (ready: true), not v1.34.4");
  }
}
