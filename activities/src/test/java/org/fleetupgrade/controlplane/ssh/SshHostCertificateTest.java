package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificateImpl;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host certificates as M-Lab's platform nodes present them: epoxy-images signs each node's ed25519
 * host key with M-Lab's ed25519 host CA and names no principals ({@code ssh-keygen -s host_ca -I
 * mlab -h host_key.pub}). Each test runs an embedded SSH server presenting a real OpenSSH host
 * certificate, made here with MINA's {@link OpenSshCertificateBuilder}.
 */
class SshHostCertificateTest {

  private static final Duration CONNECT = Duration.ofSeconds(10);
  private static final Duration RUN = Duration.ofSeconds(20);
  private static final boolean ACCEPT_NO_PRINCIPALS = true;
  private static final boolean REQUIRE_PRINCIPALS = false;

  @TempDir
  Path dir;

  private final KeyPair hostCa = ed25519();
  private ScriptHost host;
  private SshExecutor ssh;

  @BeforeEach
  void host() throws Exception {
    host = new ScriptHost(ed25519());
    host.play = (script, call) -> Reply.exit(0, "ran");
  }

  @AfterEach
  void close() throws Exception {
    if (ssh != null) {
      ssh.close();
    }
    host.close();
  }

  @Test
  void aCertificateWithoutPrincipalsFromATrustedCaIsAcceptedWhenAllowed() throws Exception {
    // Given the host presents an M-Lab-style certificate (no principals) signed by the host CA,
    // and known_hosts trusts that CA for hosts matching a pattern with a wildcard
    host.presentCertificate(certificate().sign(hostCa));
    String knownHosts = "@cert-authority [127.0.0.?]:" + host.port() + " " + key(hostCa) + "\n";

    // When a script runs there with certificates without principals allowed
    ScriptRun run = executor(knownHosts, ACCEPT_NO_PRINCIPALS).run("127.0.0.1", host.port(), "echo hi", RUN, line -> { });

    // Then it ran
    assertThat(run.succeeded()).isTrue();
    assertThat(host.received).hasSize(1);
  }

  @Test
  void aCertificateWithoutPrincipalsIsRefusedByDefault() throws Exception {
    // Given the same certificate and CA line, with the settings' plain constructor (no principals not allowed)
    host.presentCertificate(certificate().sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then the host is refused for good, saying why and how to allow it
    assertRefused(knownHosts, REQUIRE_PRINCIPALS, "host certificate \"mlab\" (serial 7) has no principals (names no"
        + " host); OpenSSH 10.3+ refuses such certificates, and so does fleet-upgrade unless"
        + " controlPlane.ssh.acceptCertificatesWithoutPrincipalsFor matches 127.0.0.1");
  }

  @Test
  void aCertificateWithoutPrincipalsIsAcceptedOnlyForTheHostsThePatternsMatch() throws Exception {
    // Given a node presenting a certificate without principals, a CA trusted for the node's name and
    // for its address, and certificates without principals accepted for M-Lab's names only
    host.presentCertificate(certificate().sign(hostCa));
    String knownHosts = "@cert-authority [*.measurement-lab.org]:" + host.port() + "," + host.knownHostsName() + " "
        + key(hostCa) + "\n";
    ssh = new SshExecutor(host.settings(dir, knownHosts, host.clientKey, CONNECT, List.of("*.measurement-lab.org")));

    // When the node is reached at its address under its name, Then the script runs
    assertThat(ssh.run("127.0.0.1", "mlab1-lga03.mlab-oti.measurement-lab.org", host.port(), "echo hi", RUN,
        line -> { }).succeeded()).isTrue();

    // When it is reached and checked as 127.0.0.1, which the patterns do not match, Then it is refused for good
    assertThatThrownBy(() -> ssh.run("127.0.0.1", host.port(), "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.HOST_KEY);
          assertThat(e.getMessage()).contains("has no principals").contains("acceptCertificatesWithoutPrincipalsFor"
              + " matches 127.0.0.1");
        });
    assertThat(host.received).hasSize(1);
  }

  @Test
  void aCertificateNamingTheHostIsAcceptedWithoutTheSetting() throws Exception {
    // Given a certificate whose principals name the host as we reach it
    host.presentCertificate(certificate().principals(List.of("mlab1-lga03.measurement-lab.org", "127.0.0.1")).sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When a script runs there
    ScriptRun run = executor(knownHosts, REQUIRE_PRINCIPALS).run("127.0.0.1", host.port(), "echo hi", RUN, line -> { });

    // Then it ran
    assertThat(run.succeeded()).isTrue();
  }

  @Test
  void aCertificateForAnotherHostIsRefused() throws Exception {
    // Given a certificate that names another host only
    host.presentCertificate(certificate().principals(List.of("mlab1-lga03.measurement-lab.org")).sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then (even with certificates without principals allowed)
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS,
        "host certificate \"mlab\" (serial 7) is for [mlab1-lga03.measurement-lab.org], not for 127.0.0.1");
  }

  @Test
  void aCertificateWithAMalformedWildcardPrincipalIsRefusedForGood() throws Exception {
    // Given a certificate whose principal is a wildcard pattern MINA's pattern parser throws on
    host.presentCertificate(certificate().principals(List.of("[127.0.0.*")).sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then it is a host key refusal (not retried), not a broken connection
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS,
        "host certificate \"mlab\" (serial 7) is for [[127.0.0.*], not for 127.0.0.1");
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() throws Exception {
    // Given the host's certificate is signed by a CA that known_hosts does not list
    KeyPair otherCa = ed25519();
    host.presentCertificate(certificate().sign(otherCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "host certificate \"mlab\" (serial 7) is signed by CA "
        + fingerprint(otherCa) + ", which no @cert-authority line in known_hosts trusts for 127.0.0.1:" + host.port());
  }

  @Test
  void aCaTrustedOnlyForOtherHostsIsRefused() throws Exception {
    // Given known_hosts trusts the CA for M-Lab's names, and for this address but negated
    host.presentCertificate(certificate().sign(hostCa));
    String knownHosts = "@cert-authority *.measurement-lab.org " + key(hostCa) + "\n"
        + "@cert-authority [127.0.0.*]:" + host.port() + ",!" + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "which no @cert-authority line in known_hosts trusts for 127.0.0.1:"
        + host.port());
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    // Given a certificate that expired yesterday
    Instant expiry = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    host.presentCertificate(certificate().validAfter(expiry.minus(30, ChronoUnit.DAYS)).validBefore(expiry).sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "host certificate \"mlab\" (serial 7) expired at " + expiry);
  }

  @Test
  void aCertificateNotYetValidIsRefused() throws Exception {
    // Given a certificate valid from tomorrow
    Instant start = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    host.presentCertificate(certificate().validAfter(start).sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "host certificate \"mlab\" (serial 7) is not valid before " + start);
  }

  @Test
  void aUserCertificateIsRefused() throws Exception {
    // Given the host presents a user certificate of its key, signed by the trusted CA
    host.presentCertificate(certificate().sign(hostCa), OpenSshCertificateBuilder.userCertificate().id("mlab").serial(7)
        .publicKey(host.hostKey.getPublic()).sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "presented a user certificate (\"mlab\"), not a host certificate");
  }

  @Test
  void aRevokedCaIsRefused() throws Exception {
    // Given known_hosts trusts the CA for this host and revokes it for every host (on any port, as in OpenSSH)
    host.presentCertificate(certificate().sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n"
        + "@revoked * " + key(hostCa) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "the CA key " + fingerprint(hostCa) + " that signed its host"
        + " certificate \"mlab\" (serial 7) is marked @revoked in known_hosts");
  }

  @Test
  void aRevokedHostKeyIsRefusedEvenWithATrustedCertificate() throws Exception {
    // Given known_hosts trusts the CA but revokes the host's own key
    host.presentCertificate(certificate().sign(hostCa));
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n"
        + "@revoked " + host.knownHostsName() + " " + key(host.hostKey) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "host key " + fingerprint(host.hostKey)
        + " (in its host certificate \"mlab\" (serial 7)) is marked @revoked in known_hosts");
  }

  @Test
  void aCertificateClaimingTheTrustedCaWithoutItsSignatureIsRefused() throws Exception {
    // Given a certificate signed by another CA that names the trusted CA's key as its signer
    OpenSshCertificateImpl forged = (OpenSshCertificateImpl) certificate().sign(ed25519());
    forged.setCaPubKey(hostCa.getPublic());
    host.presentCertificate(forged);
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then the key exchange's signature check refuses it
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "host certificate \"mlab\" (serial 7): the CA's signature ("
        + fingerprint(hostCa) + ") does not verify");
  }

  @Test
  void aPinnedPlainKeyStillWorksWhenTheHostAlsoPresentsACertificate() throws Exception {
    // Given the host presents a certificate without principals, but known_hosts pins its plain key only
    host.presentCertificate(certificate().sign(hostCa));
    String knownHosts = host.knownHostsName() + " " + key(host.hostKey) + "\n";

    // When a script runs there, certificates without principals not allowed
    ScriptRun run = executor(knownHosts, REQUIRE_PRINCIPALS).run("127.0.0.1", host.port(), "echo hi", RUN, line -> { });

    // Then the plain key was asked for and accepted
    assertThat(run.succeeded()).isTrue();
  }

  @Test
  void anUnknownPlainKeyIsStillRefusedWhenOnlyACaIsTrusted() throws Exception {
    // Given a host without a certificate, and known_hosts that only trusts the CA
    String knownHosts = "@cert-authority " + host.knownHostsName() + " " + key(hostCa) + "\n";

    // When / Then
    assertRefused(knownHosts, ACCEPT_NO_PRINCIPALS, "host key refused: it is not the one pinned in known_hosts");
  }

  private OpenSshCertificateBuilder certificate() {
    return OpenSshCertificateBuilder.hostCertificate().id("mlab").serial(7).publicKey(host.hostKey.getPublic());
  }

  private SshExecutor executor(String knownHosts, boolean acceptNoPrincipals) throws Exception {
    ssh = new SshExecutor(host.settings(dir, knownHosts, host.clientKey, CONNECT, acceptNoPrincipals));
    return ssh;
  }

  private void assertRefused(String knownHosts, boolean acceptNoPrincipals, String reason) throws Exception {
    SshExecutor executor = executor(knownHosts, acceptNoPrincipals);
    assertThatThrownBy(() -> executor.run("127.0.0.1", host.port(), "echo hi", RUN, line -> { }))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).as(e.getMessage()).isEqualTo(SshFailure.Kind.HOST_KEY);
          assertThat(e.kind().retryable()).isFalse();
          assertThat(e.getMessage()).startsWith("fleet-upgrade@127.0.0.1:" + host.port() + ": ").contains(reason)
              .doesNotContain("\n");
        });
    assertThat(host.received).isEmpty();
  }

  private static KeyPair ed25519() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String key(KeyPair pair) {
    return PublicKeyEntry.toString(pair.getPublic());
  }

  private static String fingerprint(KeyPair pair) {
    return KeyUtils.getKeyType(pair.getPublic()) + " " + KeyUtils.getFingerPrint(pair.getPublic());
  }
}
