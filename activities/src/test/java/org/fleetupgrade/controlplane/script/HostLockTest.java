package org.fleetupgrade.controlplane.script;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;

/**
 * One fleet-upgrade script at a time on a host, run for real by bash: the scripts' own lock and
 * their own kubeadm step, with kubeadm played by a shell function that logs its calls and, for the
 * first run, holds until the test lets it go (a named pipe), so that a second run starts while the
 * first holds the lock.
 */
class HostLockTest {

  private static final TargetVersions TARGET = TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0");

  @TempDir
  Path dir;

  private Process first;

  @BeforeEach
  void tools() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v flock && command -v mkfifo")
        .redirectErrorStream(true).start().waitFor() == 0, "needs flock and mkfifo");
    assertThat(new ProcessBuilder("mkfifo", dir.resolve("release").toString()).start().waitFor()).isZero();
  }

  @AfterEach
  void noneLeft() {
    if (first != null) {
      first.destroyForcibly();
    }
  }

  /**
   * A script's lock and its kubeadm step, as rendered, with kubeadm, kubectl (the cluster's
   * kubeadm-config not at the target yet) and the admin.conf copy played; kubeadm holds until
   * released when {@code hold}.
   */
  private Path script(String script, String name, boolean hold) throws Exception {
    String preamble = TestLockFile.in(dir, script.substring(0, script.indexOf("step check-current")));
    String kubeadm = script.substring(script.indexOf("step kubeadm-upgrade"), script.indexOf("step stop-kubelet"));
    String stub = """
        /opt/bin/kubeadm() {
          echo "kubeadm $* (pid $$)" >> %s
          if %s; then echo "kubeadm holds"; read -r _ < %s; fi
        }
        /opt/bin/kubectl() { echo "kubernetesVersion: v1.30.5"; }
        gsutil() { :; }
        """.formatted(ShellValues.quote(dir.resolve("calls.log").toString()), hold,
        ShellValues.quote(dir.resolve("release").toString()));
    Path file = dir.resolve(name);
    Files.writeString(file, preamble + stub + kubeadm + "echo finished\n");
    return file;
  }

  private static String nodeScript() {
    return NodeToolingScript.render(TARGET, "amd64", "vm-1.mlab-sandbox.measurement-lab.org", ReleaseSources.OFFICIAL, 300);
  }

  private static Process start(Path script) throws Exception {
    return new ProcessBuilder("/bin/bash", script.toString()).redirectErrorStream(true).start();
  }

  private static Run finish(Process bash) throws Exception {
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).as("the script ends").isTrue();
    return new Run(bash.exitValue(), new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  record Run(int exit, String output) {}

  /** Reads the first run's output until kubeadm says it holds: the lock is then taken. */
  private void awaitHolding(Process bash) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(bash.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Void> holding = CompletableFuture.runAsync(() -> {
      try {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.equals("kubeadm holds")) {
            return;
          }
        }
        throw new IllegalStateException("the first script ended before kubeadm held");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    holding.get(30, TimeUnit.SECONDS);
  }

  private List<String> calls() throws Exception {
    Path log = dir.resolve("calls.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  @Test
  void aSecondScriptWhileTheFirstHoldsTheLockExits49WithoutRunningKubeadm() throws Exception {
    // Given a first run that holds the host's lock, in kubeadm
    first = start(script(nodeScript(), "first.sh", true));
    awaitHolding(first);

    // When a second run starts meanwhile (a member script, as the lock is the host's, not the script's)
    String member = MemberUpgradeScript.render(MemberUpgradeScriptTest.member("b", "10.142.0.2", "35.237.10.1"));
    Run second = finish(start(script(member, "second.sh", false)));

    // Then it names the holder, stops before kubeadm, and exits with its own status
    assertThat(second.exit()).as(second.output()).isEqualTo(MemberUpgradeScript.ANOTHER_SCRIPT_RUNNING);
    assertThat(second.output()).containsPattern("another fleet-upgrade script holds "
        + java.util.regex.Pattern.quote(dir.resolve("fleet-upgrade.lock").toString())
        + " since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(pid " + first.pid() + "\\): not running a second one")
        .doesNotContain("finished");
    assertThat(calls()).containsExactly("kubeadm upgrade node (pid " + first.pid() + ")");

    // When the first run ends, then a new run takes the lock and runs kubeadm
    Files.writeString(dir.resolve("release"), "go\n");
    assertThat(finish(first).exit()).isZero();
    Process third = start(script(nodeScript(), "third.sh", false));
    Run after = finish(third);
    assertThat(after.exit()).as(after.output()).isZero();
    assertThat(after.output()).contains("finished");
    assertThat(calls()).containsExactly("kubeadm upgrade node (pid " + first.pid() + ")",
        "kubeadm upgrade node (pid " + third.pid() + ")");
  }

  @Test
  void aKilledHolderLeavesNoStaleLock() throws Exception {
    // Given a run that holds the lock, killed outright (no trap runs)
    first = start(script(nodeScript(), "first.sh", true));
    awaitHolding(first);
    first.destroyForcibly();
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

    // When the next run starts, then it takes the lock: the kernel released it with the killed run
    Run next = finish(start(script(nodeScript(), "next.sh", false)));
    assertThat(next.exit()).as(next.output()).isZero();
  }
}
