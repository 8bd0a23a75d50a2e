package org.fleetupgrade.reboot.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.fleetupgrade.controlplane.ssh.SshSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kured-sentinel trigger against an SSH server on 127.0.0.1 playing the node. */
class SentinelRebootTriggerTest {

  private static final String NODE = "127.0.0.1";
  private static final Duration CONNECT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private ScriptHost host;
  private RebootTrigger trigger;

  @BeforeEach
  void node() throws Exception {
    host = new ScriptHost();
  }

  @AfterEach
  void close() throws Exception {
    if (trigger != null) {
      trigger.close();
    }
    host.close();
  }

  private RebootTrigger trigger(String sentinel) throws Exception {
    SshSettings ssh = host.settings(dir, host.hostKey, host.clientKey, CONNECT);
    trigger = new SentinelRebootTrigger(new SshTriggerSettings(ssh, host.port(), null, sentinel, null));
    return trigger;
  }

  @Test
  void touchesKuredsSentinelAndCountsExitZeroAsTriggered() throws Exception {
    // Given a node where touch succeeds
    host.play = (script, call) -> Reply.exit(0);

    // When the reboot is triggered with the default sentinel
    TriggerResult result = trigger(null).trigger(NODE);

    // Then the node received exactly the touch of /run/mlab-reboot, and it counts as triggered
    assertThat(host.received).singleElement().satisfies(r -> {
      assertThat(r.command()).isEqualTo("sudo touch /run/mlab-reboot");
      assertThat(r.script()).isEmpty();
    });
    assertThat(result.node()).isEqualTo(NODE);
    assertThat(result.method()).isEqualTo("kured-sentinel");
    assertThat(result.detail()).startsWith("kured-sentinel: created /run/mlab-reboot; kured reboots the node");
  }

  @Test
  void touchesAConfiguredSentinel() throws Exception {
    // Given the path k8s-support's README and check-reboot.sh use
    host.play = (script, call) -> Reply.exit(0);

    // When the reboot is triggered with it
    trigger("/var/run/mlab-reboot").trigger(NODE);

    // Then that file is touched
    assertThat(host.received).singleElement()
        .satisfies(r -> assertThat(r.command()).isEqualTo("sudo touch /var/run/mlab-reboot"));
  }

  @Test
  void aFailedTouchIsNonRetryableWithItsOutput() throws Exception {
    // Given a node where touch fails
    host.play = (script, call) -> Reply.exit(1, "touch: cannot touch '/run/mlab-reboot': Permission denied");

    // When the reboot is triggered
    assertThatThrownBy(() -> trigger(null).trigger(NODE))
        // Then it fails for good, with the output
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(RebootFailures.REBOOT_REFUSED);
          assertThat(f.getOriginalMessage()).startsWith("127.0.0.1: `sudo touch /run/mlab-reboot` exited 1")
              .endsWith("Permission denied");
        });
  }

  @Test
  void aLostSessionIsRetriedBecauseTouchingTwiceIsHarmless() throws Exception {
    // Given a node that drops the session before touch reports an exit status
    host.play = (script, call) -> Reply.dropAfter();

    // When the reboot is triggered
    assertThatThrownBy(() -> trigger(null).trigger(NODE))
        // Then the failure is retryable: nothing says the file exists
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isFalse();
          assertThat(f.getType()).isEqualTo(RebootFailures.SSH_UNAVAILABLE);
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"run/mlab-reboot", "/run/../etc/passwd", "/run//mlab-reboot", "/run/mlab-reboot/",
      "/run/mlab reboot", "/run/mlab-reboot;reboot", "/run/$X", "/", "/run/./mlab-reboot"})
  void aSentinelPathThatIsNotAPlainAbsolutePathIsRefused(String path) throws Exception {
    // Given the SSH settings of a node
    SshSettings ssh = host.settings(dir, host.hostKey, host.clientKey, CONNECT);

    // When such a sentinel path is configured, Then it is refused
    assertThatThrownBy(() -> new SshTriggerSettings(ssh, 22, null, path, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("kured sentinel path");
  }
}
