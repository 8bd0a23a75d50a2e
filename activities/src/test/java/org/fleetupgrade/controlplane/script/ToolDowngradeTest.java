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
 * The scripts' refusal to downgrade CNI plugins or crictl, run for real by bash: the script's own
 * check, with the host's tools played by shell functions that print what the real ones print.
 */
class ToolDowngradeTest {

  @TempDir
  Path dir;

  @BeforeEach
  void bash() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
  }

  /** Runs the check for a v1.9.0 / v1.34.0 target on a host with {@code cni} and {@code crictl} (null: not installed). */
  private Run check(String cni, String crictl) throws Exception {
    return check(cni, crictl, TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0"));
  }

  private Run check(String cni, String crictl, TargetVersions target) throws Exception {
    String script = NodeToolingScript.render(target, "amd64",
        "vm-1.mlab-sandbox.measurement-lab.org", ReleaseSources.OFFICIAL, 300);
    String preamble = TestLockFile.in(dir, script.substring(0, script.indexOf("step check-current")));
    String check = script.substring(script.indexOf("step check-tool-versions"), script.indexOf("step check-disk-space"));
    String host = (cni == null ? "" : "/opt/cni/bin/bridge() { printf 'CNI bridge plugin %s\\nCNI protocol versions supported: 0.1.0, 1.0.0\\n'; }\n"
        .formatted(cni)) + (crictl == null ? "" : "/opt/bin/crictl() { echo 'crictl version %s'; }\n".formatted(crictl));
    Path run = dir.resolve("check.sh");
    Files.writeString(run, preamble + host + check + "echo checked\n");
    Process bash = new ProcessBuilder("/bin/bash", run.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(bash.exitValue(), new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  record Run(int exit, String output) {}

  @Test
  void anOlderCrictlThanTheHostHasIsRefusedNamingBoth() throws Exception {
    Run run = check("v1.9.0", "v1.35.0");

    assertThat(run.exit()).isEqualTo(MemberUpgradeScript.TOOL_DOWNGRADE);
    assertThat(run.output()).contains("refusing to install crictl v1.34.0 over v1.35.0, which the host has")
        .doesNotContain("checked");
  }

  @Test
  void olderCniPluginsAreRefusedAndVersionsCompareAsNumbersNotText() throws Exception {
    assertThat(check("v1.10.0", "v1.34.0").output()).contains("refusing to install CNI plugins v1.9.0 over v1.10.0");
    assertThat(check("v1.8.0", "v1.9.9").exit()).as("v1.34.0 is newer than v1.9.9").isZero();
  }

  @Test
  void aDowngradeAllowedByTheOperatorGoesOnAndSaysSo() throws Exception {
    assertThat(check("v1.9.0", "v1.35.0").output()).contains("start the upgrade with --allow-downgrade to allow it");

    Run run = check("v1.9.0", "v1.35.0", TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0").allowingToolDowngrade());

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("installing crictl v1.34.0 over v1.35.0, a downgrade: allowed by --allow-downgrade",
        "checked");
  }

  @Test
  void theSameOrAnOlderVersionOnTheHostOrNoneAtAllPasses() throws Exception {
    assertThat(check("v1.9.0", "v1.34.0").output()).contains("checked");
    assertThat(check("v1.6.2", "v1.31.1").output()).contains("checked");
    assertThat(check(null, null).output()).contains("checked");
  }
}
