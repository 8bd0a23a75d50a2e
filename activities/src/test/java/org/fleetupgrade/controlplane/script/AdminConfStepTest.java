package org.fleetupgrade.controlplane.script;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member script's admin.conf step, run for real by bash: its own functions, with gsutil played
 * by a shell function over a directory that stands for the bucket, and the host's files in a
 * temporary directory.
 */
class AdminConfStepTest {

  static final String DESTINATION = "gs://k8s-support-mlab-oti/admin.conf";

  @TempDir
  Path dir;

  @BeforeEach
  void bash() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
  }

  /** gsutil played by a shell function over {@code bucket}, a directory standing for the bucket; calls logged. */
  private static String gsutilStub(Path bucket) {
    return """
        BUCKET=%s
        gsutil() {  # -q, then -h headers, then cat URL or cp FILE URL
          echo "gsutil $*" >> "$BUCKET/calls"
          local args=("$@")
          while [ "${args[0]}" = "-q" ] || [ "${args[0]}" = "-h" ]; do
            if [ "${args[0]}" = "-h" ]; then args=("${args[@]:2}"); else args=("${args[@]:1}"); fi
          done
          case "${args[0]}" in
            cat) cat "$BUCKET/${args[1]##*/}" ;;
            cp) cp "${args[1]}" "$BUCKET/${args[2]##*/}" ;;
          esac
        }
        """.formatted(ShellValues.quote(bucket.toString()));
  }

  /** Runs {@code call} after the script's functions; the bucket's object, if any, holds {@code inBucket}. */
  private String run(String call, String inBucket) throws Exception {
    String script = MemberUpgradeScript.render(new MemberScriptInputs(TargetVersions.parse("v1.34.4", "v1.9.0",
        "v1.34.0"), "amd64", "api-platform-cluster-us-east1-b", "mlab-oti", "10.142.0.2", "35.237.10.1",
        "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL,
        new AdminConfCopy(DESTINATION, Map.of("Cache-Control", "no-store")), "/opt/mlab/conf/kubeadm-config.yml.template",
        60, "us-east1-b", HostMetadata.MLAB));
    Path etc = Files.createDirectories(dir.resolve("etc/kubernetes"));
    Files.writeString(etc.resolve("admin.conf"), "apiVersion: v1\nkind: Config\nuser: renewed\n");
    Path bucket = Files.createDirectories(dir.resolve("bucket"));
    if (inBucket != null) {
      Files.writeString(bucket.resolve("admin.conf"), inBucket);
    }
    String stubs = gsutilStub(bucket);
    String functions = script.substring(0, script.indexOf("step check-current"))
        .replace("/etc/kubernetes/", etc + "/").replace("/var/lib/fleet-upgrade/", dir.resolve("state") + "/")
        .replace(ScriptBlocks.LOCK_FILE, dir.resolve("host.lock").toString()); // never the machine's own /run
    Path run = dir.resolve("run.sh");
    Files.writeString(run, functions + stubs + call + "\n");
    Process bash = new ProcessBuilder("/bin/bash", run.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.exitValue()).as(output).isZero();
    return output;
  }

  /** Runs the whole admin.conf script, its lock in the test's directory; the bucket holds {@code inBucket}. */
  private String runAdminConfScript(String inBucket) throws Exception {
    String script = TestLockFile.in(dir, AdminConfScript.render(TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0"),
        "api-platform-cluster-us-east1-b", new AdminConfCopy(DESTINATION, Map.of("Cache-Control", "no-store"))));
    Path etc = Files.createDirectories(dir.resolve("etc/kubernetes"));
    Files.writeString(etc.resolve("admin.conf"), "apiVersion: v1\nkind: Config\nuser: renewed\n");
    Path bucket = Files.createDirectories(dir.resolve("bucket"));
    if (inBucket != null) {
      Files.writeString(bucket.resolve("admin.conf"), inBucket);
    }
    String text = script.replace("set -euo pipefail\n", "set -euo pipefail\n" + gsutilStub(bucket))
        .replace("/etc/kubernetes/", etc + "/").replace("/var/lib/fleet-upgrade/", dir.resolve("state") + "/");
    Path run = dir.resolve("admin-conf.sh");
    Files.writeString(run, text);
    Process bash = new ProcessBuilder("/bin/bash", run.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.exitValue()).as(output).isZero();
    return output;
  }

  private String calls() throws Exception {
    Path calls = dir.resolve("bucket/calls");
    return Files.exists(calls) ? Files.readString(calls) : "";
  }

  @Test
  void theRenewedAdminConfIsCopiedWithItsHeadersWhenTheBucketHoldsAnother() throws Exception {
    String output = run("copy_admin_conf", "user: old\n");

    assertThat(output).contains("==> admin-conf copied");
    assertThat(Files.readString(dir.resolve("bucket/admin.conf"))).contains("user: renewed");
    assertThat(calls()).contains("gsutil -q -h Cache-Control:no-store cp " + dir.resolve("etc/kubernetes/admin.conf")
        + " " + DESTINATION);
  }

  @Test
  void aBucketThatHoldsItAlreadyIsLeftAlone() throws Exception {
    String output = run("copy_admin_conf", "apiVersion: v1\nkind: Config\nuser: renewed\n");

    assertThat(output).contains("==> admin-conf unchanged");
    assertThat(calls()).doesNotContain(" cp ");
  }

  @Test
  void theAdminConfScriptSharesTheMemberScriptsStepAndCopiesOnlyOnTheMemberThatApplied() throws Exception {
    // Not applied here: nothing read, nothing copied
    String output = runAdminConfScript("user: old\n");
    assertThat(output).contains("==> result not-applied-here").doesNotContain("admin-conf");
    assertThat(calls()).isEmpty();

    // Applied here, the bucket holding another: copied, with its headers
    Files.createDirectories(dir.resolve("state"));
    Files.writeString(dir.resolve("state/applied"), "v1.34.4\n");
    output = runAdminConfScript(null);
    assertThat(output).contains("==> result applied-here", "==> step copy-admin-conf", "==> admin-conf copied");
    assertThat(calls()).contains("gsutil -q -h Cache-Control:no-store cp ");
    assertThat(Files.readString(dir.resolve("bucket/admin.conf"))).contains("user: renewed");

    // Again: the bucket holds it, compared and left alone
    Files.delete(dir.resolve("bucket/calls"));
    assertThat(runAdminConfScript(null)).contains("==> admin-conf unchanged");
    assertThat(calls()).doesNotContain(" cp ");
  }

  @Test
  void bothScriptsCarryTheSameAdminConfFunctions() {
    String member = MemberUpgradeScript.render(new MemberScriptInputs(TargetVersions.parse("v1.34.4", "v1.9.0",
        "v1.34.0"), "amd64", "api-platform-cluster-us-east1-b", "mlab-oti", "10.142.0.2", "35.237.10.1",
        "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to(DESTINATION),
        "/opt/mlab/conf/kubeadm-config.yml.template", 60, "us-east1-b", HostMetadata.MLAB));
    String adminConf = AdminConfScript.render(TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0"),
        "api-platform-cluster-us-east1-b", AdminConfCopy.to(DESTINATION));
    assertThat(member).contains(ScriptBlocks.ADMIN_CONF, ScriptBlocks.PREAMBLE);
    assertThat(adminConf).contains(ScriptBlocks.ADMIN_CONF, ScriptBlocks.PREAMBLE)
        .as("no downloads, no work directory").doesNotContain("mktemp", "fetch_verified");
  }

  @Test
  void aRetryOnTheMemberThatAppliedCopiesItAndOtherMembersDoNot() throws Exception {
    // Not applied here: the node branch leaves the bucket alone
    assertThat(run("copy_admin_conf_if_applied_here", null)).doesNotContain("admin-conf");
    assertThat(calls()).isEmpty();

    // Applied here (the mark the apply branch writes), and the copy failed or never ran: copied now
    Files.createDirectories(dir.resolve("state"));
    Files.writeString(dir.resolve("state/applied"), "v1.34.4\n");
    assertThat(run("copy_admin_conf_if_applied_here", null)).contains("==> admin-conf copied");

    // The mark of an earlier version's apply does not count
    Files.writeString(dir.resolve("state/applied"), "v1.33.1\n");
    Files.delete(dir.resolve("bucket/calls"));
    assertThat(run("copy_admin_conf_if_applied_here", "user: old\n")).doesNotContain("admin-conf");
    assertThat(calls()).isEmpty();
  }
}
