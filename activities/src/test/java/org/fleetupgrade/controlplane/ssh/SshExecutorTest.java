package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshExecutorTest {

  private static final Duration CONNECT = Duration.ofSeconds(10);
  private static final Duration RUN = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private ScriptHost host;
  private SshExecutor ssh;

  @BeforeEach
  void host() throws Exception {
    host = new ScriptHost();
  }

  @AfterEach
  void close() throws Exception {
    if (ssh != null) {
      ssh.close();
    }
    host.close();
  }

  private SshExecutor pinned() throws Exception {
    ssh = new SshExecutor(host.settings(dir, host.hostKey, host.clientKey, CONNECT));
    return ssh;
  }

  @Test
  void runsTheScriptThroughStdinAndStreamsItsOutput() throws Exception {
    host.play = (script, call) -> Reply.exit(0, "==> step install-cni", "cni ok", "==> step kubeadm", "upgraded");
    List<String> lines = new CopyOnWriteArrayList<>();

    ScriptRun run = pinned().run("127.0.0.1", host.port(), "set -euo pipefail\necho hi\n", RUN, lines::add);

    assertThat(run.succeeded()).isTrue();
    assertThat(run.lastStep()).isEqualTo("kubeadm");
    assertThat(run.tail()).containsExactly("==> step install-cni", "cni ok", "==> step kubeadm", "upgraded");
    assertThat(lines).containsExactly("==> step install-cni", "cni ok", "==> step kubeadm", "upgraded");
    assertThat(host.received).singleElement().satisfies(r -> {
      assertThat(r.command()).isEqualTo("sudo -n /bin/bash -s");
      assertThat(r.script()).isEqualTo("set -euo pipefail\necho hi\n");
    });
  }

  @Test
  void aFailingScriptReturnsItsStatusAndABoundedTail() throws Exception {
    String[] output = IntStream.rangeClosed(1, 100).mapToObj(i -> "line " + i).toArray(String[]::new);
    host.play = (script, call) -> Reply.exit(3, output);

    ScriptRun run = pinned().run("127.0.0.1", host.port(), "exit 3", RUN, line -> { });

    assertThat(run.exitStatus()).isEqualTo(3);
    assertThat(run.tail()).hasSize(ScriptOutput.TAIL_LINES).endsWith("line 100").startsWith("line 61");
  }

  @Test
  void neverReadsTheUsersSshConfig() throws Exception {
    // Given an executor
    SshExecutor executor = pinned();

    // When / Then no ~/.ssh/config Host block can change the host (and so the known_hosts name) it connects to
    assertThat(executor.hostConfigEntryResolver()).isSameAs(HostConfigEntryResolver.EMPTY);
  }

  @Test
  void anUnknownHostKeyIsRefusedAndNothingRuns() throws Exception {
    ssh = new SshExecutor(host.settings(dir, null, host.clientKey, CONNECT));

    assertThatThrownBy(() -> ssh.run("127.0.0.1", host.port(), "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.HOST_KEY);
          assertThat(e.kind().retryable()).isFalse();
          assertThat(e).hasMessageContaining("host key refused: it is not the one pinned in known_hosts");
        });
    assertThat(host.received).isEmpty();
  }

  @Test
  void aChangedHostKeyIsRefused() throws Exception {
    ssh = new SshExecutor(host.settings(dir, ScriptHost.newKeyPair(), host.clientKey, CONNECT));

    assertThatThrownBy(() -> ssh.run("127.0.0.1", host.port(), "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> assertThat(e.kind()).isEqualTo(SshFailure.Kind.HOST_KEY));
    assertThat(host.received).isEmpty();
  }

  @Test
  void aRevokedHostKeyIsRefusedEvenWhenPinned() throws Exception {
    // Given known_hosts pins the host's key and also marks it @revoked
    String pinned = host.knownHostsLine(host.hostKey);
    ssh = new SshExecutor(host.settings(dir, pinned + "@revoked * " + pinned.substring(pinned.indexOf(' ') + 1),
        host.clientKey, CONNECT, false));

    // When / Then it is refused for good, saying so
    assertThatThrownBy(() -> ssh.run("127.0.0.1", host.port(), "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.HOST_KEY);
          assertThat(e.kind().retryable()).isFalse();
          assertThat(e).hasMessage("fleet-upgrade@127.0.0.1:" + host.port() + ": host key " + HostCertificates.fingerprint(
              host.hostKey.getPublic()) + " is marked @revoked in known_hosts");
        });
    assertThat(host.received).isEmpty();
  }

  @Test
  void aKeyTheHostDoesNotAcceptIsALoginRefusal() throws Exception {
    ssh = new SshExecutor(host.settings(dir, host.hostKey, ScriptHost.newKeyPair(), CONNECT));

    assertThatThrownBy(() -> ssh.run("127.0.0.1", host.port(), "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.AUTHENTICATION);
          assertThat(e.kind().retryable()).isFalse();
        });
  }

  @Test
  void aDroppedConnectionIsRetryable() throws Exception {
    host.play = (script, call) -> Reply.dropAfter("==> step kubeadm");

    assertThatThrownBy(() -> pinned().run("127.0.0.1", host.port(), "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.CONNECTION);
          assertThat(e.kind().retryable()).isTrue();
        });
  }

  @Test
  void aScriptPastItsDeadlineTimesOut() throws Exception {
    host.play = (script, call) -> Reply.hangAfter("==> step wait-readyz");

    assertThatThrownBy(() -> pinned().run("127.0.0.1", host.port(), "sleep 1000", Duration.ofMillis(500), line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.TIMEOUT);
          assertThat(e).hasMessageContaining("script still running after 500ms (last step: wait-readyz)");
        });
  }

  @Test
  void aRefusedConnectionIsRetryable() throws Exception {
    SshExecutor executor = pinned();
    int port = host.port();
    host.close();

    assertThatThrownBy(() -> executor.run("127.0.0.1", port, "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.CONNECTION);
          assertThat(e.kind().retryable()).isTrue();
        });
  }

  @Test
  void knownHostsAndKeyMustBeReadable() {
    assertThatThrownBy(() -> new SshExecutor(new SshSettings("u", dir.resolve("nokey"), dir.resolve("nohosts"),
        CONNECT, null))).hasMessageContaining("known_hosts file").hasMessageContaining("is not readable");
  }
}
