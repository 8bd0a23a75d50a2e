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
 * Each script's "already at the target" decision, run for real by bash: the script's own
 * check-current step, with the host's tools played by shell functions and its manifests in a
 * temporary directory. Done is what a finished run leaves, not what a run that crashed between
 * stopping and starting kubelet leaves.
 */
class AlreadyAtTargetTest {

  static final TargetVersions TARGET = TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0");
  static final String MEMBER = "api-platform-cluster-us-east1-b";
  static final String EXTERNAL_IP = "35.237.10.1";

  @TempDir
  Path dir;

  @BeforeEach
  void bash() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
  }

  /** The host as a finished run leaves it; each test then changes one thing. */
  record Host(String kubelet, String crictl, String cni, boolean kubeletActive, String apiserverManifest) {

    static Host finished() {
      return new Host("v1.34.4", "v1.34.0", "v1.9.0", true,
          "image: registry.k8s.io/kube-apiserver:v1.34.4\n    - --advertise-address=" + EXTERNAL_IP + "\n");
    }
  }

  private String member() {
    return MemberUpgradeScript.render(new MemberScriptInputs(TARGET, "amd64", MEMBER, "mlab-oti", "10.142.0.2",
        EXTERNAL_IP, "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"), "/opt/mlab/conf/kubeadm-config.yml.template", 60, "us-east1-b",
        HostMetadata.MLAB));
  }

  private String tooling() {
    return NodeToolingScript.render(TARGET, "amd64", "vm-1.mlab-oti.measurement-lab.org", ReleaseSources.OFFICIAL, 300);
  }

  /** Runs the script's preamble and check-current step; the output says whether it went on to upgrade. */
  private String checkCurrent(String script, Host host) throws Exception {
    int from = script.indexOf("step check-current");
    int to = script.indexOf("step ", from + 1);
    Path manifests = Files.createDirectories(dir.resolve("etc/kubernetes/manifests"));
    Files.writeString(manifests.resolve("kube-apiserver.yaml"), host.apiserverManifest());
    String stubs = """
        /opt/bin/kubelet() { echo "Kubernetes %s"; }
        /opt/bin/crictl() { echo "crictl version %s"; }
        /opt/cni/bin/bridge() { printf 'CNI bridge plugin %s\\nCNI protocol versions supported: 1.0.0\\n'; }
        systemctl() { [ "$*" = "is-active --quiet kubelet" ] && %s; }
        wait_settled() { echo "waiting until settled"; }
        """.formatted(host.kubelet(), host.crictl(), host.cni(), host.kubeletActive());
    String check = script.substring(from, to).replace("/etc/kubernetes/", dir.resolve("etc/kubernetes") + "/");
    Path run = dir.resolve("check.sh");
    Files.writeString(run, script.substring(0, from) + stubs + check + "echo 'went on to upgrade'\n");
    Process bash = new ProcessBuilder("/bin/bash", run.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.exitValue()).as(output).isZero();
    return output;
  }

  @Test
  void aMemberAsAFinishedRunLeftItIsAtTheTargetAndOnlyWaitsUntilSettled() throws Exception {
    String output = checkCurrent(member(), Host.finished());

    assertThat(output).contains("==> result already-at-target", "waiting until settled").doesNotContain("went on");
  }

  @Test
  void aMemberWhoseKubeletIsStoppedIsUpgradedAgain() throws Exception {
    Host crashed = new Host("v1.34.4", "v1.34.0", "v1.9.0", false, Host.finished().apiserverManifest());

    assertThat(checkCurrent(member(), crashed)).contains("went on to upgrade").doesNotContain("already-at-target");
  }

  @Test
  void aMemberWithoutTheAdvertiseAddressEditIsUpgradedAgain() throws Exception {
    Host unedited = new Host("v1.34.4", "v1.34.0", "v1.9.0", true,
        "image: registry.k8s.io/kube-apiserver:v1.34.4\n    - --advertise-address=10.142.0.2\n");

    assertThat(checkCurrent(member(), unedited)).contains("went on to upgrade").doesNotContain("already-at-target");
  }

  @Test
  void aVirtualNodeIsAtTheTargetOnlyWithEveryToolThereAndKubeletRunning() throws Exception {
    assertThat(checkCurrent(tooling(), Host.finished())).contains("==> result already-at-target")
        .doesNotContain("went on");

    Host oldCrictl = new Host("v1.34.4", "v1.33.0", "v1.9.0", true, "");
    Host oldCni = new Host("v1.34.4", "v1.34.0", "v1.8.0", true, "");
    Host stopped = new Host("v1.34.4", "v1.34.0", "v1.9.0", false, "");
    for (Host host : new Host[] {oldCrictl, oldCni, stopped}) {
      assertThat(checkCurrent(tooling(), host)).as(host.toString()).contains("went on to upgrade")
          .doesNotContain("already-at-target");
    }
  }
}
