package org.fleetupgrade.reboot.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.fleetupgrade.controlplane.ssh.SshSettings;
import org.fleetupgrade.reboot.node.RebootMechanism;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ssh trigger against an SSH server on 127.0.0.1 playing the node, with its host key pinned. */
class SshRebootTriggerTest {

  private static final String NODE = "127.0.0.1";
  private static final String NODE_NAME = "mlab1-lga03.mlab-oti.measurement-lab.org";
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

  private SshTriggerSettings settings(String command) throws Exception {
    SshSettings ssh = host.settings(dir, host.hostKey, host.clientKey, CONNECT);
    return new SshTriggerSettings(ssh, host.port(), command, null, Duration.ofSeconds(10));
  }

  private RebootTrigger trigger(SshTriggerSettings settings) {
    trigger = new SshRebootTrigger(settings);
    return trigger;
  }

  @Test
  void aNodeReachedByIpIsCheckedUnderItsNameAgainstTheCaLine() throws Exception {
    // Given a platform node presenting a host certificate for its name, signed by M-Lab's host CA, and
    // known_hosts trusting that CA for M-Lab's names only (for this test's port)
    KeyPair ca = ed25519();
    ScriptHost node = new ScriptHost(ed25519());
    try (node) {
      node.play = (script, call) -> Reply.exit(0);
      node.presentCertificate(OpenSshCertificateBuilder.hostCertificate().id("mlab").serial(1)
          .publicKey(node.hostKey.getPublic()).principals(List.of(NODE_NAME)).sign(ca));
      String knownHosts = "@cert-authority [*.measurement-lab.org]:" + node.port() + " "
          + PublicKeyEntry.toString(ca.getPublic()) + "\n";
      SshTriggerSettings settings = new SshTriggerSettings(node.settings(dir, knownHosts, node.clientKey, CONNECT,
          false), node.port(), null, null, Duration.ofSeconds(10));
      trigger(settings);
      RebootMechanism mechanism = RebootMechanism.of(trigger);

      // When the stage's mechanism reboots the node by name, at its address (as KubernetesNodeReboots does)
      String detail = mechanism.reboot(NODE_NAME, "127.0.0.1");

      // Then the host key was checked under the name, and the command ran
      assertThat(detail).isEqualTo("ssh: `sudo systemctl reboot` exited 0");
      assertThat(node.received).singleElement().satisfies(r -> assertThat(r.command()).isEqualTo("sudo systemctl reboot"));

      // And without the name, the same node at the same address is refused for good: no line trusts 127.0.0.1
      assertThatThrownBy(() -> trigger.trigger("127.0.0.1"))
          .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
            assertThat(e.isNonRetryable()).isTrue();
            assertThat(e.getType()).isEqualTo(RebootFailures.SSH_REFUSED);
          });
      assertThat(node.received).hasSize(1);
    }
  }

  @Test
  void aPlainPinIsLookedUpUnderTheNodesNameNotItsAddress() throws Exception {
    // Given known_hosts pins the node's key under its name only
    host.play = (script, call) -> Reply.exit(0);
    String byName = "[" + NODE_NAME + "]:" + host.port() + " " + PublicKeyEntry.toString(host.hostKey.getPublic()) + "\n";
    RebootTrigger ssh = trigger(new SshTriggerSettings(host.settings(dir, byName, host.clientKey, CONNECT, false),
        host.port(), null, null, Duration.ofSeconds(10)));

    // When the node is rebooted by name at its address, Then the pin is used
    assertThat(ssh.trigger(NODE_NAME, "127.0.0.1").node()).isEqualTo(NODE_NAME);
    assertThat(host.received).hasSize(1);
  }

  @Test
  void aPinOfTheAddressDoesNotStandForTheNodesName() throws Exception {
    // Given known_hosts pins the key for the address only (the default settings of this test)
    RebootTrigger ssh = trigger(settings(null));

    // When / Then the node, checked under its name, is unknown: refused for good, nothing ran
    assertThatThrownBy(() -> ssh.trigger(NODE_NAME, "127.0.0.1"))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).contains("fleet-upgrade@127.0.0.1:" + host.port()
              + " (host key checked as " + NODE_NAME + ")");
        });
    assertThat(host.received).isEmpty();
  }

  @Test
  void sendsExactlyTheDefaultCommandAsTheExecRequest() throws Exception {
    // Given a node whose reboot command exits 0 before the reboot closes the session
    host.play = (script, call) -> Reply.exit(0);

    // When the reboot is triggered with the default command
    TriggerResult result = trigger(settings(null)).trigger(NODE);

    // Then the node received `sudo systemctl reboot` itself, with nothing on standard input
    assertThat(host.received).singleElement().satisfies(r -> {
      assertThat(r.command()).isEqualTo("sudo systemctl reboot");
      assertThat(r.script()).isEmpty();
    });
    assertThat(result).isEqualTo(new TriggerResult(NODE, "ssh", "ssh: `sudo systemctl reboot` exited 0"));
  }

  @Test
  void sendsAConfiguredCommandAsWritten() throws Exception {
    // Given the command M-Lab's images allow in sudoers for the reboot-api user
    host.play = (script, call) -> Reply.exit(0);

    // When the reboot is triggered with it
    trigger(settings("sudo  /usr/bin/systemctl reboot -i")).trigger(NODE);

    // Then exactly that command arrives (repeated spaces collapsed)
    assertThat(host.received).singleElement()
        .satisfies(r -> assertThat(r.command()).isEqualTo("sudo /usr/bin/systemctl reboot -i"));
  }

  @Test
  void aSessionClosedWithoutExitStatusCountsAsTriggered() throws Exception {
    // Given a node that goes down while the command runs: the session closes, no exit status
    host.play = (script, call) -> Reply.dropAfter();

    // When the reboot is triggered
    TriggerResult result = trigger(settings(null)).trigger(NODE);

    // Then it counts as triggered, and the detail says how it ended
    assertThat(result.method()).isEqualTo("ssh");
    assertThat(result.detail()).isEqualTo("ssh: connection closed by the reboot before `sudo systemctl reboot`"
        + " reported an exit status");
  }

  @Test
  void aRefusedSudoIsNonRetryableAndNamesNodeCommandStatusAndOutput() throws Exception {
    // Given a node whose sudo wants a password
    host.play = (script, call) -> Reply.exit(1, "sudo: a password is required");

    // When the reboot is triggered
    assertThatThrownBy(() -> trigger(settings(null)).trigger(NODE))
        // Then it fails for good, naming the node, the command, the exit status and the output
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(RebootFailures.REBOOT_REFUSED);
          assertThat(f.getOriginalMessage()).startsWith("127.0.0.1: `sudo systemctl reboot` exited 1")
              .endsWith("output ends:\nsudo: a password is required");
        });
  }

  @Test
  void aHostKeyOtherThanThePinnedOneIsRefusedAndNothingRuns() throws Exception {
    // Given a known_hosts that pins another key for the node
    SshSettings ssh = host.settings(dir, ScriptHost.newKeyPair(), host.clientKey, CONNECT);
    RebootTrigger mismatched = trigger(new SshTriggerSettings(ssh, host.port(), null, null, null));

    // When the reboot is triggered
    assertThatThrownBy(() -> mismatched.trigger(NODE))
        // Then it fails for good, naming the host, and no command reached it
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(RebootFailures.SSH_REFUSED);
          assertThat(f.getOriginalMessage()).startsWith("127.0.0.1: fleet-upgrade@127.0.0.1:" + host.port())
              .contains("host key refused");
        });
    assertThat(host.received).isEmpty();
  }

  @Test
  void aNodeThatCannotBeReachedIsRetryable() throws Exception {
    // Given a node whose SSH port refuses connections
    RebootTrigger unreachable = trigger(settings(null));
    host.close();

    // When the reboot is triggered
    assertThatThrownBy(() -> unreachable.trigger(NODE))
        // Then the failure is retryable
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isFalse();
          assertThat(f.getType()).isEqualTo(RebootFailures.SSH_UNAVAILABLE);
          assertThat(f.getOriginalMessage()).contains("connection refused");
        });
  }

  @Test
  void aCommandStillRunningAtTheDeadlineIsRetryableButWarnsOfADoubleReboot() throws Exception {
    // Given a node whose reboot command neither exits nor closes the session within the deadline
    host.play = (script, call) -> Reply.hangAfter();
    SshSettings ssh = host.settings(dir, host.hostKey, host.clientKey, CONNECT);
    RebootTrigger slow = trigger(new SshTriggerSettings(ssh, host.port(), null, null, Duration.ofMillis(300)));

    // When the reboot is triggered
    assertThatThrownBy(() -> slow.trigger(NODE))
        // Then the failure is retryable and says the node may be rebooting anyway
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isFalse();
          assertThat(f.getOriginalMessage()).contains("may still reboot the node: compare its bootID");
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"sudo systemctl reboot; rm -rf /", "sudo systemctl reboot | tee", "sudo reboot && true",
      "sudo $(reboot)", "sudo `reboot`", "sudo reboot > /dev/null", "sudo reboot < /dev/null",
      "sudo systemctl reboot\nrm -rf /", "sudo 'reboot'", "sudo reboot *", "sudo reboot \\", "sudo reboot #"})
  void aCommandWithShellSyntaxIsRefusedAtConstruction(String command) throws Exception {
    // Given the SSH settings of a node
    SshSettings ssh = host.settings(dir, host.hostKey, host.clientKey, CONNECT);

    // When a command with shell syntax is configured
    assertThatThrownBy(() -> new SshTriggerSettings(ssh, host.port(), command, null, null))
        // Then it is refused before anything connects
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reboot command")
        .hasMessageContaining("only a program and plain arguments are allowed");
    assertThat(host.received).isEmpty();
  }

  @Test
  void theRefusalNamesTheOffendingCharacter() throws Exception {
    // Given the SSH settings of a node
    SshSettings ssh = host.settings(dir, host.hostKey, host.clientKey, CONNECT);

    // When commands with ; or a newline are configured, Then the message names what is wrong
    assertThatThrownBy(() -> new SshTriggerSettings(ssh, 22, "sudo systemctl reboot; rm -rf /", null, null))
        .hasMessageStartingWith("reboot command 'sudo systemctl reboot; rm -rf /' contains ';'");
    assertThatThrownBy(() -> new SshTriggerSettings(ssh, 22, "sudo reboot\nid", null, null))
        .hasMessageStartingWith("reboot command 'sudo reboot\\u000aid' contains a newline");
    assertThatThrownBy(() -> new SshTriggerSettings(ssh, 22, "-x reboot", null, null))
        .hasMessageContaining("starts with an option");
    assertThatThrownBy(() -> new SshTriggerSettings(ssh, 22, " ", null, null)).hasMessageContaining("is empty");
  }

  @Test
  void aNameThatIsNotAHostNameNeverReachesSsh() throws Exception {
    // Given a working node
    RebootTrigger ssh = trigger(settings(null));

    // When the name to reboot is not a host name
    assertThatThrownBy(() -> ssh.trigger("-oProxyCommand=reboot"))
        // Then it fails for good and nothing connected
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(RebootFailures.NOT_A_HOST_NAME);
        });
    assertThat(host.received).isEmpty();
  }

  private static KeyPair ed25519() throws Exception {
    return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
  }
}
