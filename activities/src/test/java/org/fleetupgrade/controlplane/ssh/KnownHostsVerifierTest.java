package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.controlplane.ssh.HostCertificatesTest.NODE;
import static org.fleetupgrade.controlplane.ssh.HostCertificatesTest.SIGNATURES;
import static org.fleetupgrade.controlplane.ssh.HostCertificatesTest.ed25519;

import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier.HostEntryPair;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.OpenSshCertificateImpl;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * {@link KnownHostsVerifier}'s decision on a host certificate, called directly: in a real connection
 * MINA's key exchange (or {@link CertificateCheckingKex}) refuses most bad certificates before the
 * verifier sees them, so only these tests show the verifier refusing them itself, as it must when
 * the key exchange checks nothing (group exchange).
 */
class KnownHostsVerifierTest {

  private static final SshdSocketAddress TARGET = new SshdSocketAddress(NODE, 22);

  private final KeyPair ca = ed25519();
  private final KeyPair hostKey = ed25519();
  private final String trustCa = "@cert-authority *.measurement-lab.org " + key(ca);
  private final Instant now = Instant.now();

  @Test
  void aGoodCertificateFromATrustedCaIsAccepted() throws Exception {
    // Given a valid host certificate for the node and a CA line matching it
    OpenSshCertificate cert = certificate().sign(ca);

    // When / Then
    assertThat(refusal(cert, trustCa)).isEmpty();
  }

  @Test
  void aForgedSignatureIsRefused() throws Exception {
    // Given a certificate signed by another CA that names the trusted CA's key as its signer
    OpenSshCertificateImpl forged = (OpenSshCertificateImpl) certificate().sign(ed25519());
    forged.setCaPubKey(ca.getPublic());

    // When / Then
    assertThat(refusal(forged, trustCa)).hasValueSatisfying(r -> assertThat(r).contains("does not verify"));
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    // Given a certificate that expired yesterday
    Instant yesterday = now.minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    OpenSshCertificate cert = certificate().validAfter(yesterday.minus(9, ChronoUnit.DAYS)).validBefore(yesterday)
        .sign(ca);

    // When / Then
    assertThat(refusal(cert, trustCa)).contains("host certificate \"mlab\" (serial 7) expired at " + yesterday);
  }

  @Test
  void aUserCertificateIsRefused() throws Exception {
    // Given a user certificate of the host key, signed by the trusted CA
    OpenSshCertificate cert = OpenSshCertificateBuilder.userCertificate().id("mlab").serial(7)
        .publicKey(hostKey.getPublic()).principals(List.of(NODE)).sign(ca);

    // When / Then
    assertThat(refusal(cert, trustCa)).contains("presented a user certificate (\"mlab\"), not a host certificate");
  }

  @Test
  void aCertificateForAnotherHostIsRefused() throws Exception {
    // Given a certificate naming another node, from the CA trusted for both
    OpenSshCertificate cert = certificate().principals(List.of("mlab2-lga03.mlab-oti.measurement-lab.org")).sign(ca);

    // When / Then
    assertThat(refusal(cert, trustCa)).hasValueSatisfying(r -> assertThat(r).contains("not for " + NODE));
  }

  @Test
  void aCertificateWithACriticalOptionIsRefused() throws Exception {
    // Given a certificate carrying a critical option
    OpenSshCertificate cert = certificate().criticalOption(OpenSshCertificate.SOURCE_ADDRESS, "10.0.0.0/8").sign(ca);

    // When / Then
    assertThat(refusal(cert, trustCa)).hasValueSatisfying(r -> assertThat(r).contains("has critical options"));
  }

  @Test
  void aRevokedCaOrHostKeyIsRefused() throws Exception {
    // Given a good certificate, and known_hosts revoking the CA, or the certified host key
    OpenSshCertificate cert = certificate().sign(ca);

    // When / Then
    assertThat(refusal(cert, trustCa + "\n@revoked * " + key(ca)))
        .hasValueSatisfying(r -> assertThat(r).startsWith("the CA key ").endsWith("is marked @revoked in known_hosts"));
    assertThat(refusal(cert, trustCa + "\n@revoked " + NODE + " " + key(hostKey)))
        .hasValueSatisfying(r -> assertThat(r).startsWith("host key ").endsWith("is marked @revoked in known_hosts"));
  }

  @Test
  void aCaTrustedForOtherHostsOnlyIsRefused() throws Exception {
    // Given the CA is trusted for other names only
    OpenSshCertificate cert = certificate().sign(ca);

    // When / Then
    assertThat(refusal(cert, "@cert-authority *.example.org " + key(ca))).hasValueSatisfying(r ->
        assertThat(r).contains("which no @cert-authority line in known_hosts trusts for " + TARGET));
  }

  private Optional<String> refusal(OpenSshCertificate cert, String knownHosts) throws Exception {
    return KnownHostsVerifier.certificateRefusal(TARGET, cert, entries(knownHosts), false, null, SIGNATURES, now);
  }

  private OpenSshCertificateBuilder certificate() {
    return OpenSshCertificateBuilder.hostCertificate().id("mlab").serial(7).publicKey(hostKey.getPublic())
        .principals(List.of(NODE));
  }

  static Collection<HostEntryPair> entries(String knownHosts) throws Exception {
    List<HostEntryPair> entries = new ArrayList<>();
    for (String line : knownHosts.split("\n")) {
      KnownHostEntry entry = KnownHostEntry.parseKnownHostEntry(line);
      entries.add(new HostEntryPair(entry, entry.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.FAILING)));
    }
    return entries;
  }

  static String key(KeyPair pair) {
    return PublicKeyEntry.toString(pair.getPublic());
  }
}
