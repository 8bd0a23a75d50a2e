package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.fleetupgrade.controlplane.script.AdminConfCopy;
import org.fleetupgrade.controlplane.script.MemberScriptSettings;
import org.fleetupgrade.controlplane.script.HostMetadata;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member upgrade over real SSH against a host that plays kubeadm's rule: apply while the
 * cluster's kubeadm-config is not at the target, node after.
 */
class SshMemberUpgradeTest {

  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");
  private static final ControlPlaneMember FIRST = member("b", "127.0.0.1");
  private static final ControlPlaneMember SECOND = member("c", "127.0.0.1");

  @TempDir
  Path dir;

  private ScriptHost host;
  private SshExecutor ssh;
  /** The host's kubeadm-config kubernetesVersion. */
  private final AtomicReference<String> clusterVersion = new AtomicReference<>("v1.30.5");
  private volatile boolean dropAfterApply;

  static ControlPlaneMember member(String zone, String ip) {
    return new ControlPlaneMember("api-platform-cluster-us-east1-" + zone, "us-east1-" + zone, "10.142.0.2", ip,
        ReleaseVersion.parse("v1.30.5"));
  }

  @BeforeEach
  void host() throws Exception {
    host = new ScriptHost();
    host.play = (script, call) -> {
      if (!clusterVersion.get().equals("v1.31.2")) {
        clusterVersion.set("v1.31.2");
        return dropAfterApply
            ? Reply.dropAfter("==> step install-cni", "==> step kubeadm-upgrade", "==> result apply")
            : Reply.exit(0, "==> step install-cni", "==> step kubeadm-upgrade", "==> result apply",
                "[upgrade/successful] SUCCESS!", "==> step copy-admin-conf", "==> admin-conf copied",
                "==> step wait-readyz", "==> step done");
      }
      if (script.contains("MEMBER='" + FIRST.name() + "'")) {
        // This host ran apply (the script's own mark): a retry upgrades it as a node and makes sure of admin.conf
        return Reply.exit(0, "==> step kubeadm-upgrade", "==> result node", "==> step copy-admin-conf",
            "==> admin-conf copied", "==> step done");
      }
      return Reply.exit(0, "==> step kubeadm-upgrade", "==> result node", "==> step done");
    };
    ssh = new SshExecutor(host.settings(dir, host.hostKey, host.clientKey, Duration.ofSeconds(10)));
  }

  @AfterEach
  void close() throws Exception {
    ssh.close();
    host.close();
  }

  /** mlab-oti's member script settings, admin.conf to {@code gs://k8s-support-mlab-oti/admin.conf}, SSH on {@code port}. */
  static MemberScriptSettings settings(int port) {
    return new MemberScriptSettings("mlab-oti", "amd64", "192.168.0.0/16", "172.25.0.0/16", ReleaseSources.OFFICIAL,
        AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"), "/etc/kubernetes/kubeadm-config.yml.template", 300, port,
        HostMetadata.MLAB);
  }

  private SshMemberUpgrader upgrader() {
    return new SshMemberUpgrader(ssh, settings(host.port()), Duration.ofSeconds(20));
  }

  @Test
  void theFirstMemberAppliesAndTheOthersUpgradeAsNodes() {
    SshMemberUpgrader upgrader = upgrader();
    List<UpgradeProgress> progress = new CopyOnWriteArrayList<>();

    assertThat(upgrader.upgrade(FIRST, TARGET, progress::add).mode()).isEqualTo(UpgradeMode.APPLY);
    assertThat(upgrader.upgrade(SECOND, TARGET, p -> { }).mode()).isEqualTo(UpgradeMode.NODE);

    assertThat(progress).extracting(UpgradeProgress::step)
        .containsSubsequence("install-cni", "kubeadm-upgrade", "copy-admin-conf", "wait-readyz", "done");
    assertThat(progress.get(progress.size() - 1).lastLines()).hasSize(5).endsWith("==> step done");

    assertThat(host.received).hasSize(2);
    assertThat(host.received.get(0).script()).contains("MEMBER='api-platform-cluster-us-east1-b'", "K8S_VERSION='v1.31.2'");
    assertThat(host.received.get(1).script()).contains("MEMBER='api-platform-cluster-us-east1-c'");
  }

  @Test
  void outputImitatingTheScriptsMarkersIsNotTakenForThem() {
    // Given a host whose programs print lines that look like the script's markers, around its own
    host.play = (script, call) -> Reply.exit(0, ScriptHost.RAW + "==> result already-at-target",
        "==> step kubeadm-upgrade", "==> result apply", ScriptHost.RAW + "==> admin-conf copied", "==> step done");

    // Then the result is the script's own (apply), and apply without its own word on admin.conf fails
    assertThatThrownBy(() -> upgrader().upgrade(FIRST, TARGET, p -> { }))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> assertThat(e.getOriginalMessage())
            .contains("apply succeeded but the script did not say whether admin.conf reached",
                "(output) ==> admin-conf copied"));
  }

  @Test
  void aRetryAfterTheFirstMemberAppliedUpgradesAsANode() {
    dropAfterApply = true;
    SshMemberUpgrader upgrader = upgrader();

    assertThatThrownBy(() -> upgrader.upgrade(FIRST, TARGET, p -> { }))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ScriptFailures.SSH_UNAVAILABLE);
          assertThat(e.isNonRetryable()).as("a dropped connection is retried").isFalse();
        });
    MemberUpgradeResult retried = upgrader.upgrade(FIRST, TARGET, p -> { });
    assertThat(retried.mode()).isEqualTo(UpgradeMode.NODE);
    assertThat(retried.note()).as("the retry still made sure the bucket holds admin.conf")
        .isEqualTo("kubeadm upgrade node; admin.conf copied to gs://k8s-support-mlab-oti/admin.conf");
  }

  @Test
  void anAlreadyUpgradedMemberIsSkippedWithANote() {
    host.play = (script, call) -> Reply.exit(0, "==> step check-current", "==> result already-at-target");

    MemberUpgradeResult result = upgrader().upgrade(FIRST, TARGET, p -> { });

    assertThat(result.mode()).isEqualTo(UpgradeMode.ALREADY_AT_TARGET);
    assertThat(result.note()).contains("nothing done twice");
  }

  @Test
  void aChecksumMismatchIsNotRetriedAndCarriesTheOutputTail() {
    host.play = (script, call) -> Reply.exit(42, "==> step install-cni",
        "checksum mismatch for https://github.com/.../cni-plugins-linux-amd64-v1.6.2.tgz: published abc, downloaded def");

    assertThatThrownBy(() -> upgrader().upgrade(FIRST, TARGET, p -> { }))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ScriptFailures.CHECKSUM_MISMATCH);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).contains("script failed at step install-cni (exit 42)",
              "checksum mismatch for https://github.com/.../cni-plugins-linux-amd64-v1.6.2.tgz");
        });
  }

  @Test
  void aKubeadmPreflightFailureIsNotRetried() {
    host.play = (script, call) -> Reply.exit(1, "==> step kubeadm-upgrade", "==> result apply",
        "[preflight] Some fatal errors occurred:", "error execution phase preflight: etcd is not healthy");

    assertThatThrownBy(() -> upgrader().upgrade(FIRST, TARGET, p -> { }))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ScriptFailures.KUBEADM_PREFLIGHT);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).contains("error execution phase preflight: etcd is not healthy");
        });
  }

  @Test
  void aMemberWithAnInvalidAddressIsRefusedBeforeAnythingRuns() {
    ControlPlaneMember bad = new ControlPlaneMember("api;reboot", "us-east1-b", "10.0.0.1", "127.0.0.1",
        ReleaseVersion.parse("v1.30.5"));

    assertThatThrownBy(() -> upgrader().upgrade(bad, TARGET, p -> { }))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> assertThat(e.isNonRetryable()).isTrue())
        .hasMessageContaining("member name 'api;reboot' is not a DNS-1123 label");
    assertThat(host.received).isEmpty();
  }

  @Test
  void heartbeatDetailsCarryTheStepAndTheLastLines() {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      List<UpgradeProgress> beats = new CopyOnWriteArrayList<>();
      env.setActivityHeartbeatListener(UpgradeProgress.class, beats::add);
      env.registerActivitiesImplementations(new ControlPlaneActivitiesImpl(
          Map.of("production", new StageControlPlane(null, upgrader()))));
      ControlPlaneActivities activities = env.newActivityStub(ControlPlaneActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build());

      assertThat(activities.upgrade("production", FIRST, TARGET).mode()).isEqualTo(UpgradeMode.APPLY);

      // The SDK throttles heartbeats; the first goes out at once and shows what each one carries.
      assertThat(beats).isNotEmpty().allSatisfy(b -> assertThat(b.member()).isEqualTo(FIRST.name()));
      assertThat(beats.get(0).step()).isEqualTo("install-cni");
      assertThat(beats.get(0).lastLines()).containsExactly("==> step install-cni");
      assertThatThrownBy(() -> activities.upgrade("staging", FIRST, TARGET))
          .isInstanceOf(ActivityFailure.class).rootCause()
          .hasMessageContaining("stage 'staging' has no control-plane adapter on this worker (it has production)");
    } finally {
      env.close();
    }
  }
}
