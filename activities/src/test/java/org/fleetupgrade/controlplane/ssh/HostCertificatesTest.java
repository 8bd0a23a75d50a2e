package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.OpenSshCertificateImpl;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.Signature;
import org.junit.jupiter.api.Test;

/**
 * {@link HostCertificates} on its own, without a key exchange in front of it: every rule that refuses
 * a certificate is seen refusing here, so none can be weakened while MINA's own checks hide it.
 */
class HostCertificatesTest {

  static final String NODE = "mlab1-lga03.mlab-oti.measurement-lab.org";
  static final List<NamedFactory<Signature>> SIGNATURES = SshClient.setUpDefaultClient().getSignatureFactories();

  private final KeyPair ca = ed25519();
  private final KeyPair hostKey = ed25519();
  private final Instant now = Instant.now();

  @Test
  void aValidHostCertificateNamingTheHostIsAccepted() throws Exception {
    // Given a host certificate for the node, signed by the CA
    OpenSshCertificate cert = certificate().principals(List.of(NODE)).sign(ca);

    // When / Then nothing refuses it
    assertThat(HostCertificates.refusal(cert, NODE, false, now)).isEmpty();
    assertThat(HostCertificates.signatureRefusal(null, SIGNATURES, cert)).isEmpty();
  }

  @Test
  void aCertificateWithACriticalOptionIsRefused() throws Exception {
    // Given an otherwise valid host certificate carrying a critical option
    OpenSshCertificate cert = certificate().principals(List.of(NODE))
        .criticalOption(OpenSshCertificate.FORCE_COMMAND, "/bin/true").sign(ca);

    // When / Then it is refused, as OpenSSH refuses it
    assertThat(HostCertificates.refusal(cert, NODE, true, now))
        .contains("host certificate \"mlab\" (serial 7) has critical options [force-command], which no host"
            + " certificate may carry");
  }

  @Test
  void aCertificateSignedWithSha1RsaIsRefused() throws Exception {
    // Given a host certificate signed by an RSA CA with ssh-rsa (SHA-1), the signature itself good
    KeyPair rsaCa = KeyUtils.generateKeyPair(KeyPairProvider.SSH_RSA, 2048);
    OpenSshCertificate cert = certificate().principals(List.of(NODE)).sign(rsaCa, KeyPairProvider.SSH_RSA);
    OpenSshCertificate sha2 = certificate().principals(List.of(NODE)).sign(rsaCa, "rsa-sha2-512");

    // When / Then SHA-1 is refused, as OpenSSH 8.2+ does, and SHA-2 by the same CA is not
    assertThat(HostCertificates.signatureRefusal(null, SIGNATURES, cert)).hasValueSatisfying(reason ->
        assertThat(reason).startsWith("host certificate \"mlab\" (serial 7) is signed with ssh-rsa (RSA with SHA-1),"
            + " which OpenSSH 8.2+ refuses"));
    assertThat(HostCertificates.signatureRefusal(null, SIGNATURES, sha2)).isEmpty();
  }

  @Test
  void aForgedSignatureIsRefused() throws Exception {
    // Given a certificate signed by another CA that names the trusted CA's key as its signer
    OpenSshCertificateImpl forged = (OpenSshCertificateImpl) certificate().principals(List.of(NODE)).sign(ed25519());
    forged.setCaPubKey(ca.getPublic());

    // When / Then the signature does not verify
    assertThat(HostCertificates.signatureRefusal(null, SIGNATURES, forged)).contains("host certificate \"mlab\""
        + " (serial 7): the CA's signature (" + HostCertificates.fingerprint(ca.getPublic()) + ") does not verify");
  }

  @Test
  void anExpiredOrNotYetValidCertificateIsRefused() throws Exception {
    // Given a certificate that expired yesterday and one valid from tomorrow
    Instant yesterday = now.minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    Instant tomorrow = now.plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    OpenSshCertificate expired = certificate().principals(List.of(NODE))
        .validAfter(yesterday.minus(30, ChronoUnit.DAYS)).validBefore(yesterday).sign(ca);
    OpenSshCertificate early = certificate().principals(List.of(NODE)).validAfter(tomorrow).sign(ca);

    // When / Then
    assertThat(HostCertificates.refusal(expired, NODE, true, now))
        .contains("host certificate \"mlab\" (serial 7) expired at " + yesterday);
    assertThat(HostCertificates.refusal(early, NODE, true, now))
        .contains("host certificate \"mlab\" (serial 7) is not valid before " + tomorrow);
  }

  @Test
  void aUserCertificateIsRefused() throws Exception {
    // Given a user certificate of the host key, signed by the CA
    OpenSshCertificate cert = OpenSshCertificateBuilder.userCertificate().id("mlab").serial(7)
        .publicKey(hostKey.getPublic()).principals(List.of(NODE)).sign(ca);

    // When / Then
    assertThat(HostCertificates.refusal(cert, NODE, true, now))
        .contains("presented a user certificate (\"mlab\"), not a host certificate");
  }

  @Test
  void aCertificateForAnotherHostIsRefused() throws Exception {
    // Given a certificate for another node
    OpenSshCertificate cert = certificate().principals(List.of("mlab2-lga03.mlab-oti.measurement-lab.org")).sign(ca);

    // When / Then, whether or not certificates without principals are accepted
    assertThat(HostCertificates.refusal(cert, NODE, true, now)).contains("host certificate \"mlab\" (serial 7) is"
        + " for [mlab2-lga03.mlab-oti.measurement-lab.org], not for " + NODE);
  }

  @Test
  void aMalformedWildcardPrincipalMatchesNothing() throws Exception {
    // Given a certificate whose only principal is a pattern MINA's pattern parser rejects
    OpenSshCertificate cert = certificate().principals(List.of("[mlab*.measurement-lab.org")).sign(ca);

    // When / Then it matches no host, so the certificate is refused as being for other hosts, without throwing
    assertThat(HostCertificates.principalMatches("[mlab*.measurement-lab.org", NODE)).isFalse();
    assertThat(HostCertificates.refusal(cert, NODE, true, now)).contains("host certificate \"mlab\" (serial 7) is"
        + " for [[mlab*.measurement-lab.org], not for " + NODE);
  }

  OpenSshCertificateBuilder certificate() {
    return OpenSshCertificateBuilder.hostCertificate().id("mlab").serial(7).publicKey(hostKey.getPublic());
  }

  static KeyPair ed25519() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
