package org.fleetupgrade.controlplane.ssh;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.sshd.client.kex.DHGClient;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.DHFactory;
import org.apache.sshd.common.kex.KeyExchange;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * MINA SSHD's client key exchange ({@link DHGClient}), with its check of the host certificate the
 * server presents replaced by ours ({@link HostCertificates}): type, validity, critical options,
 * principals and the CA's signature, as MINA checks them, but with principals matched against the
 * name the host's key is checked under (its host-key alias, if any, else the host name connected
 * to), where MINA would match the address connected to, and with a refusal that says which rule
 * and when ("host certificate "mlab" (serial 0) expired at ..."), recorded on the session ({@link
 * ConnectionAttempt}). Whether known_hosts trusts the CA is for {@link KnownHostsVerifier}, which
 * runs the same checks again.
 */
final class CertificateCheckingKex extends DHGClient {

  private final Predicate<String> acceptsNoPrincipals;

  private CertificateCheckingKex(DHFactory factory, Session session, Predicate<String> acceptsNoPrincipals) {
    super(factory, session);
    this.acceptsNoPrincipals = acceptsNoPrincipals;
  }

  /**
   * {@code factories} with every {@link DHGClient} key exchange replaced by this one. Group exchange
   * ({@code diffie-hellman-group-exchange-*}, MINA's {@code DHGEXClient}) cannot be wrapped so and is
   * kept as it is: it never calls {@code verifyCertificate}, so a certificate it receives is checked
   * by nothing in the key exchange, neither here nor by MINA. {@link KnownHostsVerifier} is then the
   * only check, and it runs every rule itself ({@link HostCertificates#refusal}, {@link
   * HostCertificates#signatureRefusal}), never relying on the key exchange having run them.
   */
  static List<KeyExchangeFactory> wrap(List<KeyExchangeFactory> factories, Predicate<String> acceptsNoPrincipals) {
    return factories.stream().map(factory -> wrap(factory, acceptsNoPrincipals)).collect(Collectors.toList());
  }

  private static KeyExchangeFactory wrap(KeyExchangeFactory factory, Predicate<String> acceptsNoPrincipals) {
    DHFactory dh = BuiltinDHFactories.resolveFactory(factory.getName());
    if (dh == null || dh.isGroupExchange()) {
      return factory;
    }
    return new KeyExchangeFactory() {
      @Override
      public String getName() {
        return factory.getName();
      }

      @Override
      public KeyExchange createKeyExchange(Session session) {
        return new CertificateCheckingKex(dh, session, acceptsNoPrincipals);
      }

      @Override
      public String toString() {
        return "CertificateCheckingKex[" + getName() + "]";
      }
    };
  }

  @Override
  protected void verifyCertificate(Session session, OpenSshCertificate cert) throws Exception {
    try {
      SshdSocketAddress target = HostCertificates.target(session);
      String host = target == null ? null : target.getHostName();
      // Not MINA's DHGClient.verifyCertificate: it matches principals against the address connected
      // to, which for a node reached by IP under its name (host-key alias) never matches.
      Optional<String> refusal = HostCertificates.refusal(cert, host, acceptsNoPrincipals.test(host), Instant.now()).or(() -> HostCertificates.signatureRefusal(session, cert));
      if (refusal.isPresent()) {
        ConnectionAttempt.refuse(session, refusal.get());
        throw new SshException(SshConstants.SSH2_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, refusal.get());
      }
    } catch (SshException e) {
      throw e;
    } catch (RuntimeException e) {
      // A certificate our checks cannot read is refused for good, not retried as a broken connection.
      String reason = HostCertificates.name(cert) + " cannot be checked: " + e;
      ConnectionAttempt.refuse(session, reason);
      throw new SshException(SshConstants.SSH2_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, reason, e);
    }
  }
}
