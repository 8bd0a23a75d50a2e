package org.fleetupgrade.controlplane.ssh;

import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * One connection of {@link SshExecutor}: the host name and port it was asked for (or the host-key
 * alias that stands for the host, as OpenSSH's {@code HostKeyAlias}), and why the host's key was
 * refused, if it was. It travels as the session's connection context ({@link
 * ClientSession#getConnectionContext()}), which the key exchange, the known_hosts verifier and the
 * algorithm order can read from the session's first packet on, and which, unlike the session's own
 * attributes, is not cleared when MINA closes a session after a failed key exchange.
 */
final class ConnectionAttempt {

  private static final AttributeKey<ConnectionAttempt> KEY = new AttributeKey<>();

  private final SshdSocketAddress target;
  private final boolean aliased;
  private final AtomicReference<String> refusal = new AtomicReference<>();

  /** A connection to {@code host}, whose key is looked up under {@code hostKeyAlias} if not null. */
  ConnectionAttempt(String host, String hostKeyAlias, int port) {
    this.aliased = hostKeyAlias != null;
    this.target = new SshdSocketAddress(aliased ? hostKeyAlias : host, port);
  }

  /** The context to connect with. */
  AttributeRepository context() {
    return AttributeRepository.ofKeyValuePair(KEY, this);
  }

  /** The attempt {@code session} belongs to, or null (a session this executor did not open). */
  static ConnectionAttempt of(Session session) {
    if (session instanceof ClientSession client && client.getConnectionContext() != null) {
      return client.getConnectionContext().getAttribute(KEY);
    }
    return null;
  }

  /**
   * The name and port the host's key is checked under: the host-key alias if there is one, else the
   * host name asked for (never the peer's address).
   */
  SshdSocketAddress target() {
    return target;
  }

  /** Whether the host's key is checked under an alias, and under that name only. */
  boolean aliased() {
    return aliased;
  }

  /** Records why {@code session}'s host key is refused; the first reason stays (later ones follow from it). */
  static void refuse(Session session, String reason) {
    ConnectionAttempt attempt = of(session);
    if (attempt != null) {
      attempt.refusal.compareAndSet(null, reason);
    }
  }

  /** Why the host key was refused, or null. */
  String refusal() {
    return refusal.get();
  }
}
