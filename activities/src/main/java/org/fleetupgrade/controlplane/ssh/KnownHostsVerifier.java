package org.fleetupgrade.controlplane.ssh;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Verifies a host's key against the known_hosts file, never adding to it: MINA SSHD's {@link
 * KnownHostsServerKeyVerifier} for plain keys (pinned, changed, {@code @revoked}), and for OpenSSH
 * host certificates the rules of OpenSSH's client, each refusal recorded with its reason ({@link
 * ConnectionAttempt}):
 *
 * <ul>
 *   <li>only the lines whose host patterns match the host name (and port) we connected to, or its
 *       host-key alias ({@link SshExecutor#run(String, String, int, String, java.time.Duration,
 *       java.util.function.Consumer)}), count, as
 *       {@code KnownHostEntry.isHostMatch} reads them: {@code *}, {@code ?}, comma lists,
 *       {@code !} negation, {@code [host]:port}; never the peer's IP address;
 *   <li>a {@code @revoked} line with the CA key or the certified key refuses (as a {@code @revoked}
 *       line with a plain key does), its patterns read as OpenSSH would for a port other than 22;
 *   <li>the certificate must pass {@link HostCertificates#refusal} (host type, validity, principals)
 *       and its CA signature must verify ({@link HostCertificates#signatureRefusal}), again, whatever
 *       the key exchange checked;
 *   <li>a {@code @cert-authority} line with the CA key accepts it;
 *   <li>failing that, a plain line pinning the certified key itself accepts it (OpenSSH: "No
 *       matching CA found. Retry with plain key");
 *   <li>otherwise it is refused: its CA is not trusted for this host.
 * </ul>
 */
final class KnownHostsVerifier extends KnownHostsServerKeyVerifier {

  static final String MARKER_CA = "cert-authority";
  static final String MARKER_REVOKED = "revoked";

  private final Predicate<String> acceptsNoPrincipals;

  /** {@code acceptsNoPrincipals}: the hosts (by name checked under) whose certificate may name no host. */
  KnownHostsVerifier(Path knownHosts, Predicate<String> acceptsNoPrincipals) {
    super(RejectAllServerKeyVerifier.INSTANCE, knownHosts);
    this.acceptsNoPrincipals = acceptsNoPrincipals;
  }

  @Override
  protected boolean acceptKnownHostEntries(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey,
      Collection<HostEntryPair> knownHosts) {
    if (serverKey instanceof OpenSshCertificate cert) {
      Optional<String> refusal = certificateRefusal(session, cert, knownHosts);
      refusal.ifPresent(reason -> ConnectionAttempt.refuse(session, reason));
      return refusal.isEmpty();
    }
    SshdSocketAddress target = HostCertificates.target(session);
    if (target != null && knownHosts.stream().anyMatch(revokes(target, serverKey))) {
      handleRevokedKey(session, remoteAddress, serverKey);
      return false;
    }
    return super.acceptKnownHostEntries(session, remoteAddress, serverKey, knownHosts);
  }

  /**
   * The names known_hosts lines are matched against: MINA's (the peer's address and the host name
   * connected to), or, with a host-key alias, the alias alone, as OpenSSH's {@code HostKeyAlias}.
   */
  @Override
  protected Collection<SshdSocketAddress> resolveHostNetworkIdentities(ClientSession session,
      SocketAddress remoteAddress) {
    ConnectionAttempt attempt = ConnectionAttempt.of(session);
    if (attempt != null && attempt.aliased()) {
      return List.of(attempt.target());
    }
    return super.resolveHostNetworkIdentities(session, remoteAddress);
  }

  @Override
  protected void handleRevokedKey(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
    ConnectionAttempt.refuse(session, "host key " + HostCertificates.fingerprint(serverKey)
        + " is marked @revoked in known_hosts");
  }

  private Optional<String> certificateRefusal(ClientSession session, OpenSshCertificate cert,
      Collection<HostEntryPair> knownHosts) {
    SshdSocketAddress target = HostCertificates.target(session);
    boolean allowNoPrincipals = target != null && acceptsNoPrincipals.test(target.getHostName());
    return certificateRefusal(target, cert, knownHosts, allowNoPrincipals, session,
        session.getSignatureFactories(), Instant.now());
  }

  /**
   * Why {@code cert}, presented by the host reached as {@code target}, is refused by {@code knownHosts}
   * at {@code now}, or empty: the whole decision for a certificate, without a session ({@code session}
   * may be null; {@code signatures} verify the CA's signature).
   */
  static Optional<String> certificateRefusal(SshdSocketAddress target, OpenSshCertificate cert,
      Collection<HostEntryPair> knownHosts, boolean allowNoPrincipals, SessionContext session,
      List<NamedFactory<Signature>> signatures, Instant now) {
    if (target == null) {
      return Optional.of(HostCertificates.name(cert) + ": the host it was reached as is unknown");
    }
    String host = target.getHostName();
    List<HostEntryPair> lines = knownHosts.stream()
        .filter(line -> line.getHostEntry().isHostMatch(host, target.getPort()))
        .toList();
    PublicKey ca = cert.getCaPubKey();
    PublicKey certified = cert.getCertPubKey();
    if (knownHosts.stream().anyMatch(revokes(target, ca))) {
      return Optional.of("the CA key " + HostCertificates.fingerprint(ca) + " that signed its "
          + HostCertificates.name(cert) + " is marked @revoked in known_hosts");
    }
    if (knownHosts.stream().anyMatch(revokes(target, certified))) {
      return Optional.of("host key " + HostCertificates.fingerprint(certified) + " (in its " + HostCertificates.name(cert)
          + ") is marked @revoked in known_hosts");
    }
    Optional<String> refusal = HostCertificates.refusal(cert, host, allowNoPrincipals, now)
        .or(() -> HostCertificates.signatureRefusal(session, signatures, cert));
    if (refusal.isPresent()) {
      return refusal;
    }
    if (lines.stream().anyMatch(marked(MARKER_CA, ca)) || lines.stream().anyMatch(marked(null, certified))) {
      return Optional.empty();
    }
    return Optional.of(HostCertificates.name(cert) + " is signed by CA " + HostCertificates.fingerprint(ca)
        + ", which no @cert-authority line in known_hosts trusts for " + target);
  }

  /**
   * A {@code @revoked} line for {@code key} that speaks for {@code target}: as MINA matches host
   * patterns, or, for a port other than 22, as OpenSSH does, matching the patterns against the name
   * {@code [host]:port} (MINA's {@code *} never matches another port; OpenSSH's {@code @revoked *}
   * revokes a key on every host and port). Broader than MINA only for revocations, never for trust.
   */
  private static Predicate<HostEntryPair> revokes(SshdSocketAddress target, PublicKey key) {
    String host = target.getHostName();
    int port = target.getPort();
    return line -> marked(MARKER_REVOKED, key).test(line)
        && (line.getHostEntry().isHostMatch(host, port)
            || (port != SshConstants.DEFAULT_PORT && line.getHostEntry().isHostMatch(
                "[" + host + "]:" + port, SshConstants.DEFAULT_PORT)));
  }

  /** A line with {@code marker} (null: none) whose key is {@code key}. */
  private static Predicate<HostEntryPair> marked(String marker, PublicKey key) {
    return line -> {
      String lineMarker = line.getHostEntry().getMarker();
      boolean sameMarker = marker == null ? lineMarker == null || lineMarker.isEmpty() : marker.equals(lineMarker);
      return sameMarker && KeyUtils.compareKeys(line.getServerKey(), key);
    };
  }
}
