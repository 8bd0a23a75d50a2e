package org.fleetupgrade.controlplane.script;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scripts' up-front checks of free disk space and of every download answering, run for real by
 * bash: each script's own text from "step check-tool-versions" through the installs and the kubelet
 * stop, with df, curl, tar, mkdir, install, cp, systemctl and kubeadm played by shell functions that
 * log what they are asked, so a failed check can be seen to have installed and stopped nothing.
 */
class PreflightChecksTest {

  static final TargetVersions TARGET = TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0");
  static final String CNI = ReleaseSources.OFFICIAL.cniPlugins() + "/v1.9.0/cni-plugins-linux-amd64-v1.9.0.tgz";
  static final String CRICTL = ReleaseSources.OFFICIAL.crictl() + "/v1.34.0/crictl-v1.34.0-linux-amd64.tar.gz";
  static final String K8S = ReleaseSources.OFFICIAL.kubernetes() + "/v1.34.4/bin/linux/amd64/";
  static final List<String> DOWNLOADS = List.of(CNI, CRICTL, K8S + "kubeadm", K8S + "kubelet", K8S + "kubectl");

  @TempDir
  Path dir;

  @BeforeEach
  void bash() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
  }

  static String render(String which) {
    return "member".equals(which)
        ? MemberUpgradeScript.render(new MemberScriptInputs(TARGET, "amd64", "api-platform-cluster-us-east1-b", "mlab-oti",
            "10.142.0.2", "35.237.10.1", "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"), "/opt/mlab/conf/kubeadm-config.yml.template", 60, "us-east1-b",
            HostMetadata.MLAB))
        : NodeToolingScript.render(TARGET, "amd64", "vm-1.mlab-sandbox.measurement-lab.org", ReleaseSources.OFFICIAL, 300);
  }

  /**
   * The stubs. df reports 50 GB free, or 300 MB where DF_MODE says (low-work: $WORK, low-install:
   * anywhere else, low: everywhere; broken: df fails). curl answers every URL but DOWN (which fails
   * as an unresolvable host would), refuses HEAD for NO_HEAD, and serves "payload" with its SHA-256.
   */
  private String stubs(String dfMode, String noHead, String down) {
    return """
        log() { echo "$*" >> %s; }
        DF_MODE=%s NO_HEAD=%s DOWN=%s
        /opt/cni/bin/bridge() { :; }  # a host that reports no tool versions: nothing to refuse
        /opt/bin/crictl() { :; }
        df() {
          local at="${@: -1}" kb=52428800
          log "df $*"
          case "$DF_MODE" in
            broken) echo "df: cannot read table of mounted file systems" >&2; return 1 ;;
            low-work) if [ "$at" = "$WORK" ]; then kb=307200; fi ;;
            low-install) if [ "$at" != "$WORK" ]; then kb=307200; fi ;;
            low) kb=307200 ;;
          esac
          printf 'Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/sda1 104857600 1000 %%s 1%%%% /\\n' "$kb"
        }
        curl() {
          local url="${@: -1}" out="" body=payload
          log "curl $*"
          if [ "$url" = "$DOWN" ]; then echo "curl: (6) Could not resolve host: dl.k8s.io" >&2; return 6; fi
          case " $* " in *" -fsSIL "*) if [ "$url" = "$NO_HEAD" ]; then return 22; fi; return 0 ;; esac
          while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out="$2"; fi; shift; done
          if [[ "$url" == *.sha256 ]]; then body="$(printf payload | sha256sum)"; fi
          if [ -n "$out" ]; then printf '%%s' "$body" > "$out"; else printf '%%s\\n' "$body"; fi
        }
        tar() { log "tar $*"; }
        mkdir() { log "mkdir $*"; }
        install() { log "install ${@: -1}"; }
        cp() { log "cp $*"; }
        systemctl() { log "systemctl $*"; }
        /opt/bin/kubeadm() { log "kubeadm $*"; }
        """.formatted(ShellValues.quote(dir.resolve("calls.log").toString()), ShellValues.quote(dfMode),
        ShellValues.quote(noHead), ShellValues.quote(down));
  }

  /** Runs {@code which} script from its tool version check through the kubelet stop and install. */
  private Run upTo(String which, String dfMode, String noHead, String down) throws Exception {
    String script = render(which);
    String preamble = TestLockFile.in(dir, script.substring(0, script.indexOf("step check-current")));
    int swap = script.indexOf("step stop-kubelet");
    String body = script.substring(script.indexOf("step check-tool-versions"), script.indexOf("step kubeadm-upgrade"))
        + script.substring(swap, script.indexOf("\nstep ", script.indexOf("step install-kubelet-kubectl")) + 1);
    return run(preamble + stubs(dfMode, noHead, down) + body + "echo upgraded\n");
  }

  private Run run(String text) throws Exception {
    Path file = dir.resolve("preflight.sh");
    Files.writeString(file, text);
    Process bash = new ProcessBuilder("/bin/bash", file.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Path log = dir.resolve("calls.log");
    return new Run(bash.exitValue(), output, Files.exists(log) ? Files.readAllLines(log) : List.of());
  }

  record Run(int exit, String output, List<String> calls) {}

  /** Only the checks ran: df, and curl asked for nothing but /dev/null. */
  private static void nothingChanged(Run run) {
    assertThat(run.calls()).isNotEmpty()
        .allMatch(c -> c.startsWith("df ") || c.startsWith("curl ") && c.contains(" -o /dev/null "), "a check");
    assertThat(run.output()).doesNotContain("==> step install", "==> step stop-kubelet", "upgraded");
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "member"})
  void aFullWorkDirectoryStopsTheScriptBeforeAnyDownloadNamingItsFreeAndNeededSpace(String which) throws Exception {
    Run run = upTo(which, "low-work", "", "");

    assertThat(run.exit()).as(run.output()).isEqualTo(MemberUpgradeScript.NO_DISK_SPACE);
    assertThat(run.output()).containsPattern("not enough disk space in /\\S+: 300 MB free, 1024 MB needed");
    assertThat(run.calls()).hasSize(1);
    nothingChanged(run);
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "member"})
  void aFullInstallDirectoryStopsTheScriptBeforeAnyDownload(String which) throws Exception {
    Run run = upTo(which, "low-install", "", "");

    assertThat(run.exit()).as(run.output()).isEqualTo(MemberUpgradeScript.NO_DISK_SPACE);
    // /opt/bin itself, or its nearest existing parent when this machine has none.
    assertThat(run.output()).contains("not enough disk space in /opt/bin").contains(": 300 MB free, 512 MB needed");
    nothingChanged(run);
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "member"})
  void aDownloadThatDoesNotAnswerStopsTheScriptNamingItBeforeAnythingIsInstalled(String which) throws Exception {
    Run run = upTo(which, "plenty", "", K8S + "kubectl.sha256");

    assertThat(run.exit()).as(run.output()).isEqualTo(MemberUpgradeScript.DOWNLOAD_UNAVAILABLE);
    assertThat(run.output()).contains("download " + K8S + "kubectl.sha256 does not answer: curl: (6) Could not resolve"
        + " host: dl.k8s.io");
    nothingChanged(run);
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "member"})
  void whenEverythingIsThereTheChecksPassAndAskTheVeryUrlsTheScriptThenDownloads(String which) throws Exception {
    Run run = upTo(which, "plenty", "", "");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("upgraded");
    List<String> checked = run.calls().stream().filter(c -> c.startsWith("curl -fsSIL --retry 3 -o /dev/null "))
        .map(c -> c.substring(c.lastIndexOf(' ') + 1)).toList();
    assertThat(checked).containsExactlyElementsOf(DOWNLOADS.stream()
        .flatMap(url -> Stream.of(url, url + ".sha256")).toList());
    Set<String> downloaded = run.calls().stream().filter(c -> c.startsWith("curl ") && !c.contains("/dev/null"))
        .map(c -> c.substring(c.lastIndexOf(' ') + 1)).collect(Collectors.toSet());
    assertThat(downloaded).isEqualTo(Set.copyOf(checked));
    int lastCheck = run.calls().lastIndexOf("curl -fsSIL --retry 3 -o /dev/null " + K8S + "kubectl.sha256");
    assertThat(run.calls().subList(0, lastCheck)).as("every check before anything changes")
        .allMatch(c -> c.startsWith("df ") || c.contains(" -o /dev/null "));
    assertThat(run.calls().subList(lastCheck, run.calls().size()))
        .contains("mkdir -p /opt/cni/bin", "install /opt/bin/kubeadm", "systemctl stop kubelet", "install /opt/bin/kubelet");
  }

  @Test
  void aRefusedHeadIsAskedAgainAsAGetOfTheFirstByte() throws Exception {
    Run run = upTo("node", "plenty", CNI, "");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.calls()).containsSubsequence("curl -fsSIL --retry 3 -o /dev/null " + CNI,
        "curl -fsSL --retry 3 -r 0-0 -o /dev/null " + CNI, "curl -fsSIL --retry 3 -o /dev/null " + CNI + ".sha256");
  }

  /** Runs the script's need_space on its own, with the stubbed df unless {@code dfMode} is null (the real df). */
  private Run needSpace(String dfMode, String dir, int mb) throws Exception {
    String script = render("node");
    String preamble = TestLockFile.in(this.dir, script.substring(0, script.indexOf("step check-current")));
    return run(preamble + (dfMode == null ? "" : stubs(dfMode, "", ""))
        + "need_space " + ShellValues.quote(dir) + " " + mb + "\necho room\n");
  }

  @Test
  void aDirectoryNotThereYetIsCheckedOnItsNearestExistingParent() throws Exception {
    String missing = dir.resolve("opt/cni/bin").toString();

    Run run = needSpace("low", missing, 512);

    assertThat(run.exit()).isEqualTo(MemberUpgradeScript.NO_DISK_SPACE);
    assertThat(run.calls()).containsExactly("df -Pk " + dir);
    assertThat(run.output()).contains("not enough disk space in " + missing + " (not there yet; checked " + dir
        + "): 300 MB free, 512 MB needed");
  }

  @Test
  void theRealDfIsReadAndADfThatSaysNothingUsableIsAFailureToo() throws Exception {
    assertThat(needSpace(null, dir.toString(), 0).output()).as("anything is room for nothing").contains("room");
    Run tooMuch = needSpace(null, dir.toString(), 1_000_000_000);
    assertThat(tooMuch.exit()).isEqualTo(MemberUpgradeScript.NO_DISK_SPACE);
    assertThat(tooMuch.output()).containsPattern("not enough disk space in " + Pattern.quote(dir.toString())
        + ": \\d+ MB free, 1000000000 MB needed");

    Run broken = needSpace("broken", dir.toString(), 512);
    assertThat(broken.exit()).isEqualTo(MemberUpgradeScript.NO_DISK_SPACE);
    assertThat(broken.output()).contains("cannot read the free disk space of " + dir + ": df -Pk reports nothing usable,"
        + " and 512 MB are needed");
  }
}
