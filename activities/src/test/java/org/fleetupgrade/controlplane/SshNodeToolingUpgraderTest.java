package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.controlplane.script.NodeToolingScript;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.tooling.ToolingResult;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshNodeToolingUpgraderTest {

  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");
  private static final ReleaseVersion OLD = ReleaseVersion.parse("v1.30.5");

  @TempDir
  Path dir;

  private ScriptHost host;
  private SshExecutor ssh;

  @BeforeEach
  void host() throws Exception {
    host = new ScriptHost();
    ssh = new SshExecutor(host.settings(dir, host.hostKey, host.clientKey, Duration.ofSeconds(10)));
  }

  @AfterEach
  void close() throws Exception {
    ssh.close();
    host.close();
  }

  private SshNodeToolingUpgrader upgrader() {
    return new SshNodeToolingUpgrader(ssh, "amd64", ReleaseSources.OFFICIAL, host.port(), Duration.ofSeconds(20));
  }

  @Test
  void onlyNodesNotAtTheTargetAreUpgradedOneAtATime() {
    host.play = (script, call) -> script.contains("NODE='vm-3.mlab-oti.measurement-lab.org'")
        ? Reply.exit(0, "==> step check-current", "==> result already-at-target")
        : Reply.exit(0, "==> step kubeadm-upgrade", "==> result node", "==> step done");

    ToolingResult result = upgrader().upgrade(List.of(
        new VirtualNode("vm-1.mlab-oti.measurement-lab.org", "127.0.0.1", OLD),
        new VirtualNode("vm-2.mlab-oti.measurement-lab.org", "127.0.0.1", TARGET.kubernetes()),
        new VirtualNode("vm-3.mlab-oti.measurement-lab.org", "127.0.0.1", OLD)), TARGET, p -> { });

    assertThat(result.upgraded()).containsExactly("vm-1.mlab-oti.measurement-lab.org");
    assertThat(result.alreadyAtTarget())
        .containsExactly("vm-2.mlab-oti.measurement-lab.org", "vm-3.mlab-oti.measurement-lab.org");
    assertThat(host.received).as("no connection to a node already at the target").hasSize(2);
  }

  @Test
  void aFailingNodeStopsTheStepNamingIt() {
    host.play = (script, call) -> Reply.exit(42, "==> step install-crictl", "checksum mismatch for crictl");

    assertThatThrownBy(() -> upgrader().upgrade(List.of(
        new VirtualNode("vm-1.mlab-oti.measurement-lab.org", "127.0.0.1", OLD),
        new VirtualNode("vm-2.mlab-oti.measurement-lab.org", "127.0.0.1", OLD)), TARGET, p -> { }))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ScriptFailures.CHECKSUM_MISMATCH);
          assertThat(e.getOriginalMessage()).startsWith("vm-1.mlab-oti.measurement-lab.org: script failed at step install-crictl");
        });
    assertThat(host.received).as("strictly one at a time: the second node was not touched").hasSize(1);
  }

  @Test
  void theNodeScriptMatchesItsGoldenFileAndIsValidBash() throws Exception {
    String script = NodeToolingScript.render(TARGET, "amd64", "vm-1.mlab-oti.measurement-lab.org", ReleaseSources.OFFICIAL, 300);
    if (Boolean.getBoolean("update.golden")) {
      Files.writeString(Path.of("src/test/resources/scripts/node-tooling.sh"), script);
    }
    try (var in = getClass().getResourceAsStream("/scripts/node-tooling.sh")) {
      assertThat(in).as("golden file node-tooling.sh").isNotNull();
      assertThat(script).isEqualTo(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Path file = dir.resolve("node.sh");
    Files.writeString(file, script);
    Process bash = new ProcessBuilder("/bin/bash", "-n", file.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).as(new String(bash.getInputStream().readAllBytes())).isZero();
    assertThatThrownBy(() -> NodeToolingScript.render(TARGET, "amd64", "vm-1;reboot", ReleaseSources.OFFICIAL, 300))
        .hasMessage("node name 'vm-1;reboot' is not a DNS name");
  }
}
