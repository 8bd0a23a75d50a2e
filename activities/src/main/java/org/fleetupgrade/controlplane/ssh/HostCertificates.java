package org.fleetupgrade.controlplane.ssh;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.client.config.hosts.HostPatternValue;
import org.apache.sshd.client.config.hosts.HostPatternsHolder;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * What a host certificate must be, said as a reason when it is not: a host (not user) certificate,
 * within its validity window, without critical options, naming among its principals the name its
 * key is checked under (the host-key alias, else the host connected to), or naming none where
 * {@link SshSettings#acceptCertificatesWithoutPrincipalsFor} allows it, signed by its CA with
 * anything but SHA-1 {@code ssh-rsa}. These checks replace MINA's in the key exchange ({@link
 * CertificateCheckingKex}) and run again when the host key is verified ({@link KnownHostsVerifier}),
 * so that no certificate is accepted on the key exchange's word alone.
 */
final class HostCertificates {

  /** Where an operator accepts certificates without principals (the worker's config file). */
  static final String SETTING = "controlPlane.ssh.acceptCertificatesWithoutPrincipalsFor";

  private HostCertificates() {}

  /** The host name and port the session was asked to connect to (not the peer's address). */
  static SshdSocketAddress target(Session session) {
    ConnectionAttempt attempt = ConnectionAttempt.of(session);
    if (attempt != null) {
      return attempt.target();
    }
    SocketAddress address = session instanceof ClientSession client ? client.getConnectAddress() : null;
    if (address instanceof SshdSocketAddress sshd) {
      return sshd;
    }
    if (address instanceof InetSocketAddress inet) {
      return new SshdSocketAddress(inet.getHostString(), inet.getPort());
    }
    return null;
  }

  /** "host certificate "mlab" (serial 7)": how a certificate is named in a reason. */
  static String name(OpenSshCertificate cert) {
    return "host certificate \"" + cert.getId() + "\" (serial " + Long.toUnsignedString(cert.getSerial()) + ")";
  }

  /** "ED25519 SHA256:...": a key as ssh-keygen -l shows it. */
  static String fingerprint(java.security.PublicKey key) {
    return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
  }

  /**
   * Why {@code cert}, presented by {@code host}, is not acceptable at {@code now} (type, validity,
   * critical options, principals), or empty; the CA's signature and trust are checked elsewhere.
   */
  static Optional<String> refusal(OpenSshCertificate cert, String host, boolean allowNoPrincipals, Instant now) {
    if (cert.getType() != OpenSshCertificate.Type.HOST) {
      return Optional.of("presented a " + String.valueOf(cert.getType()).toLowerCase() + " certificate (\""
          + cert.getId() + "\"), not a host certificate");
    }
    if (!OpenSshCertificate.isValidAt(cert, now)) {
      if (Long.compareUnsigned(now.getEpochSecond(), cert.getValidAfter()) < 0) {
        return Optional.of(name(cert) + " is not valid before " + instant(cert.getValidAfter()));
      }
      return Optional.of(name(cert) + " expired at " + instant(cert.getValidBefore()));
    }
    if (cert.getCriticalOptions() != null && !cert.getCriticalOptions().isEmpty()) {
      // No critical option is defined for host certificates: OpenSSH refuses any (sshkey.c
      // cert_check_critical_options), as a critical option is one the client must understand.
      return Optional.of(name(cert) + " has critical options " + cert.getCriticalOptionsMap().keySet()
          + ", which no host certificate may carry");
    }
    Collection<String> principals = cert.getPrincipals();
    if (principals == null || principals.isEmpty()) {
      if (!allowNoPrincipals) {
        return Optional.of(name(cert) + " has no principals (names no host); OpenSSH 10.3+ refuses such"
            + " certificates, and so does fleet-upgrade unless " + SETTING + " matches " + host);
      }
      return Optional.empty();
    }
    if (host == null || principals.stream().noneMatch(p -> principalMatches(p, host))) {
      return Optional.of(name(cert) + " is for " + principals + ", not for " + host);
    }
    return Optional.empty();
  }

  /**
   * A principal names the host exactly, or as an OpenSSH wildcard pattern ({@code *} and {@code ?},
   * as OpenSSH 10.3 and MINA SSHD allow in host certificates). A principal that is no valid pattern
   * (e.g. {@code [mlab*}, which MINA's pattern parser rejects) matches nothing: the certificate is
   * then refused for good as being for other hosts, not failed as if the connection had broken.
   */
  static boolean principalMatches(String principal, String host) {
    if (principal == null || principal.isEmpty()) {
      return false;
    }
    if (principal.indexOf('*') < 0 && principal.indexOf('?') < 0) {
      return principal.equals(host);
    }
    if (principal.indexOf(HostPatternsHolder.NEGATION_CHAR_PATTERN) >= 0) {
      return false;
    }
    try {
      HostPatternValue pattern = HostPatternsHolder.toPattern(principal);
      return pattern != null && pattern.getPort() == 0 && HostPatternsHolder.isHostMatch(host, pattern.getPattern());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** As {@link #signatureRefusal(SessionContext, List, OpenSshCertificate)} with {@code session}'s signatures. */
  static Optional<String> signatureRefusal(Session session, OpenSshCertificate cert) {
    return signatureRefusal(session, session.getSignatureFactories(), cert);
  }

  /**
   * Why the CA's signature on {@code cert} does not verify, or empty: the signature algorithm must
   * be one of the CA key's, not SHA-1 {@code ssh-rsa} (OpenSSH 8.2+ refuses certificates signed so),
   * and the signature of that algorithm among {@code signatures} (JCA underneath) must verify the
   * certificate's signed part with the CA key. {@code session} may be null.
   */
  static Optional<String> signatureRefusal(SessionContext session, List<NamedFactory<Signature>> signatures,
      OpenSshCertificate cert) {
    String caType = KeyUtils.getKeyType(cert.getCaPubKey());
    String algorithm = cert.getSignatureAlgorithm();
    if (caType == null || algorithm == null || !caType.equals(KeyUtils.getCanonicalKeyType(algorithm))) {
      return Optional.of(name(cert) + " is signed with " + algorithm + ", which a " + caType + " CA key cannot make");
    }
    if (KeyPairProvider.SSH_RSA.equals(algorithm)) {
      return Optional.of(name(cert) + " is signed with ssh-rsa (RSA with SHA-1), which OpenSSH 8.2+ refuses for"
          + " certificates; the CA must sign with rsa-sha2-512 or rsa-sha2-256 (ssh-keygen -t rsa-sha2-512)");
    }
    try {
      Signature verifier = NamedFactory.create(signatures, algorithm);
      if (verifier == null) {
        return Optional.of(name(cert) + " is signed with " + algorithm + ", which this client does not support");
      }
      verifier.initVerifier(session, cert.getCaPubKey());
      verifier.update(session, cert.getMessage());
      if (!verifier.verify(session, cert.getSignature())) {
        return Optional.of(name(cert) + ": the CA's signature (" + fingerprint(cert.getCaPubKey()) + ") does not verify");
      }
      return Optional.empty();
    } catch (Exception e) {
      return Optional.of(name(cert) + ": the CA's signature cannot be verified: " + e);
    }
  }

  private static String instant(long epochSecond) {
    if (epochSecond == OpenSshCertificate.INFINITY) {
      return "forever";
    }
    return Instant.ofEpochSecond(epochSecond).toString();
  }
}
