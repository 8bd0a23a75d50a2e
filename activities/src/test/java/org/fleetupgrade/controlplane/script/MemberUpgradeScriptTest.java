package org.fleetupgrade.controlplane.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated member upgrade script: golden files (regenerate with -Dupdate.golden=true after a
 * deliberate change, then read the diff), a bash syntax check, and injection attempts.
 */
class MemberUpgradeScriptTest {

  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");

  @TempDir
  Path dir;

  static MemberScriptInputs member(String zone, String internalIp, String externalIp) {
    return new MemberScriptInputs(TARGET, "amd64", "api-platform-cluster-us-east1-" + zone, "mlab-oti", internalIp,
        externalIp, "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"),
        "/opt/mlab/conf/kubeadm-config.yml.template", 300, "us-east1-" + zone, HostMetadata.MLAB);
  }

  private static void assertGolden(String name, String rendered) throws IOException {
    if (Boolean.getBoolean("update.golden")) {
      Files.writeString(Path.of("src/test/resources/scripts", name), rendered);
    }
    try (InputStream in = MemberUpgradeScriptTest.class.getResourceAsStream("/scripts/" + name)) {
      assertThat(in).as("golden file " + name).isNotNull();
      assertThat(rendered).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void firstMemberScriptMatchesItsGoldenFile() throws IOException {
    assertGolden("member-first.sh", MemberUpgradeScript.render(member("b", "10.142.0.2", "35.237.10.1")));
  }

  @Test
  void laterMemberScriptMatchesItsGoldenFile() throws IOException {
    // The same steps: apply or node is decided on the host from kubeadm-config, so a retry after
    // the first member succeeded upgrades as a node.
    assertGolden("member-later.sh", MemberUpgradeScript.render(member("c", "10.142.0.3", "35.237.10.2")));
  }

  @Test
  void adminConfScriptMatchesItsGoldenFile() throws IOException {
    // For a member a new run found done: only the admin.conf step, the member script's own.
    assertGolden("admin-conf.sh", AdminConfScript.render(TARGET, "api-platform-cluster-us-east1-b",
        new AdminConfCopy("gs://k8s-support-mlab-oti/admin.conf", java.util.Map.of("Cache-Control", "no-store"))));
  }

  @Test
  void theScriptIsValidBash() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Path script = dir.resolve("upgrade.sh");
    Files.writeString(script, MemberUpgradeScript.render(member("b", "10.142.0.2", "35.237.10.1")));
    Process bash = new ProcessBuilder("/bin/bash", "-n", script.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).as(new String(bash.getInputStream().readAllBytes())).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"it's", "$(reboot)", "`id`", "a\"b", "x; rm -rf /", "\\n", "tab\there", "!!", "${HOME}", "'"})
  void quotedValuesComeBackFromBashUnchanged(String nasty) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Process bash = new ProcessBuilder("/bin/bash", "-c", "printf %s " + ShellValues.quote(nasty)).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(nasty);
  }

  @Test
  void maliciousValuesAreRejectedBeforeAnyScriptExists() {
    assertThatThrownBy(() -> TargetVersions.parse("v1.31.2;reboot", "v1.6.2", "v1.31.1"))
        .hasMessageContaining("kubernetes version: 'v1.31.2;reboot' is not a release version");
    assertThatThrownBy(() -> new MemberScriptInputs(TARGET, "amd64", "api;reboot", "mlab-oti", "10.0.0.1", "10.0.0.2",
        "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support/admin.conf"), "/etc/t",
        300, "us-east1-b", HostMetadata.MLAB))
        .hasMessage("member name 'api;reboot' is not a DNS-1123 label (lower-case letters, digits, '-')");
    assertThatThrownBy(() -> member("b", "10.0.0.1 && reboot", "10.0.0.2"))
        .hasMessage("internal IP '10.0.0.1 && reboot' is not an IPv4 address");
    assertThatThrownBy(() -> member("b", "10.0.0.256", "10.0.0.2")).hasMessageContaining("is not an IPv4 address");
    assertThatThrownBy(() -> new ReleaseSources("https://dl.k8s.io/$(id)", "https://a.b", "https://c.d"))
        .hasMessage("kubernetes release URL 'https://dl.k8s.io/$(id)' is not a plain http(s) URL");
    assertThatThrownBy(() -> new MemberScriptInputs(TARGET, "amd64", "api", "mlab-oti", "10.0.0.1", "10.0.0.2",
        "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support/admin.conf; reboot"), "/etc/t",
        300, "us-east1-b", HostMetadata.MLAB))
        .hasMessageContaining("admin.conf destination 'gs://k8s-support/admin.conf; reboot' is not a gs:// URL");
    assertThatThrownBy(() -> new MemberScriptInputs(TARGET, "amd64", "api", "mlab-oti", "10.0.0.1", "10.0.0.2",
        "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support/admin.conf"), "/etc/../root/t", 300, "us-east1-b", HostMetadata.MLAB))
        .hasMessageContaining("is not a plain absolute path");
    assertThatThrownBy(() -> new AdminConfCopy("gs://k8s-support/admin.conf", Map.of("X-Program", "reboot")))
        .hasMessageContaining("admin.conf header 'X-Program' is not one GCS lets an object carry");
    assertThatThrownBy(() -> new AdminConfCopy("gs://k8s-support/admin.conf", Map.of("Cache-Control", "no-store\nid")))
        .hasMessageContaining("has a value that is not 1 to 256 printable characters");
    assertThatThrownBy(() -> new MemberScriptInputs(TARGET, "x86", "api", "mlab-oti", "10.0.0.1", "10.0.0.2",
        "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support/admin.conf"), "/etc/t", 300, "us-east1-b", HostMetadata.MLAB))
        .hasMessage("architecture 'x86' is not amd64 or arm64");
    assertThatThrownBy(() -> new HostMetadata("cluster_data", ".a | @sh \"$(reboot)\""))
        .hasMessageContaining("is not a plain jq path");
    assertThatThrownBy(() -> new HostMetadata("cluster data;id", ".a"))
        .hasMessageContaining("is not a metadata key");
    assertThatThrownBy(() -> new MemberScriptInputs(TARGET, "amd64", "api", "mlab-oti", "10.0.0.1", "10.0.0.2",
        "192.168.0.0/33", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support/admin.conf"), "/etc/t", 300, "us-east1-b", HostMetadata.MLAB))
        .hasMessageContaining("cluster CIDR '192.168.0.0/33' is not a CIDR");
  }
}
