package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import org.fleetupgrade.controlplane.script.AdminConfScript;
import org.fleetupgrade.controlplane.script.MemberUpgradeScript;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SshMemberUpgrader#ensureAdminConf} over real SSH (an embedded server playing the host):
 * the admin.conf script's own markers say what happened, lines merely looking like them do not,
 * and its failures map as the member script's do.
 */
class SshAdminConfTest {

  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");
  private static final ControlPlaneMember MEMBER = SshMemberUpgradeTest.member("b", "127.0.0.1");
  private static final String BUCKET = "gs://k8s-support-mlab-oti/admin.conf";

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

  private AdminConfResult ensure() {
    return new SshMemberUpgrader(ssh, SshMemberUpgradeTest.settings(host.port()), Duration.ofSeconds(20))
        .ensureAdminConf(MEMBER, TARGET, p -> { }, Duration.ofSeconds(10));
  }

  @Test
  void theMemberThatAppliedCopiesOrFindsItHeldAnyOtherDoesNothing() {
    host.play = (script, call) -> Reply.exit(0, "==> step copy-admin-conf", "==> result " + AdminConfScript.APPLIED_HERE,
        "==> admin-conf copied");
    assertThat(ensure()).isEqualTo(new AdminConfResult(MEMBER.name(), AdminConfResult.Outcome.COPIED, BUCKET));
    assertThat(host.received).singleElement().satisfies(r -> assertThat(r.script())
        .contains("MEMBER='" + MEMBER.name() + "'", "K8S_VERSION='v1.31.2'", BUCKET)
        .doesNotContain("/opt/bin/kubeadm upgrade"));

    host.play = (script, call) -> Reply.exit(0, "==> result " + AdminConfScript.APPLIED_HERE, "==> admin-conf unchanged");
    assertThat(ensure().outcome()).isEqualTo(AdminConfResult.Outcome.ALREADY_HELD);

    host.play = (script, call) -> Reply.exit(0, "==> result " + AdminConfScript.NOT_APPLIED_HERE);
    assertThat(ensure().outcome()).isEqualTo(AdminConfResult.Outcome.NOT_APPLIED_HERE);
  }

  @Test
  void linesThatOnlyLookLikeMarkersAreNotTakenForThem() {
    // Given a host whose programs print the script's words; the script itself says only that this host applied
    host.play = (script, call) -> Reply.exit(0, "==> result " + AdminConfScript.APPLIED_HERE,
        ScriptHost.RAW + "==> admin-conf copied");

    // Then exit 0 without its own word on admin.conf is a failure, never "copied"
    assertThatThrownBy(this::ensure).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(ScriptFailures.SCRIPT_FAILED);
      assertThat(e.isNonRetryable()).isTrue();
      assertThat(e.getOriginalMessage()).contains("exited 0 without saying what it did", "admin-conf null");
    });
  }

  @Test
  void anotherScriptOnTheHostIsWaitedForAMinuteApart() {
    host.play = (script, call) -> Reply.exit(MemberUpgradeScript.ANOTHER_SCRIPT_RUNNING, "==> step lock",
        "cannot lock /run/fleet-upgrade.lock: flock exited 1");

    assertThatThrownBy(this::ensure).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(ScriptFailures.ANOTHER_SCRIPT_RUNNING);
      assertThat(e.isNonRetryable()).isFalse();
      assertThat(e.getNextRetryDelay()).isEqualTo(Duration.ofMinutes(1));
    });
  }
}
