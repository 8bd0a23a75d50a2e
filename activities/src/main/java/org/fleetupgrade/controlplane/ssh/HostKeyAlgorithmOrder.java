package org.fleetupgrade.controlplane.ssh;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orders the host key algorithms a session proposes by what known_hosts can verify for its host, as
 * OpenSSH's client does: certificate algorithms first only when a {@code @cert-authority} line
 * matches the host, then the algorithms of the plain keys pinned for it, then the rest. MINA SSHD
 * always proposes certificate algorithms first, so a server with a host certificate presents it
 * even when only its plain key is pinned, and the pin cannot be used.
 */
final class HostKeyAlgorithmOrder implements SessionListener {

  private static final Logger LOG = LoggerFactory.getLogger(HostKeyAlgorithmOrder.class);

  private final Path knownHosts;

  HostKeyAlgorithmOrder(Path knownHosts) {
    this.knownHosts = knownHosts;
  }

  @Override
  public void sessionNegotiationOptionsCreated(Session session, Map<KexProposalOption, String> proposal) {
    ConnectionAttempt attempt = ConnectionAttempt.of(session);
    if (attempt == null) {
      return;
    }
    SshdSocketAddress target = attempt.target();
    String offered = proposal.get(KexProposalOption.SERVERKEYS);
    if (target == null || offered == null) {
      return;
    }
    List<KnownHostEntry> lines;
    try {
      lines = forHost(KnownHostEntry.readKnownHostEntries(knownHosts), target.getHostName(), target.getPort());
    } catch (Exception e) {
      // The verifier reads the file again and refuses what it cannot verify; the order only helps.
      LOG.warn("known_hosts {} unreadable while ordering host key algorithms: {}", knownHosts, e.toString());
      return;
    }
    proposal.put(KexProposalOption.SERVERKEYS, order(offered, lines));
  }

  /**
   * The lines of {@code knownHosts} that speak for {@code host} at {@code port}, except {@code @revoked}
   * ones: as {@link KnownHostEntry#isHostMatch} reads host patterns ({@code *}, {@code ?}, comma
   * lists, {@code !} negation; a port other than 22 only as {@code [pattern]:port}).
   */
  static List<KnownHostEntry> forHost(List<KnownHostEntry> knownHosts, String host, int port) {
    return knownHosts.stream()
        .filter(line -> !KnownHostsVerifier.MARKER_REVOKED.equals(line.getMarker()))
        .filter(line -> line.isHostMatch(host, port))
        .toList();
  }

  /** {@code offered} (comma-separated) reordered for the known_hosts lines that match the host. */
  static String order(String offered, List<KnownHostEntry> lines) {
    boolean trustsCa = lines.stream().anyMatch(line -> KnownHostsVerifier.MARKER_CA.equals(line.getMarker()));
    Set<String> pinnedTypes = lines.stream()
        .filter(line -> line.getMarker() == null || line.getMarker().isEmpty())
        .map(line -> line.getKeyEntry().getKeyType())
        .collect(Collectors.toSet());
    List<String> algorithms = new ArrayList<>(Arrays.asList(offered.split(",")));
    algorithms.sort(Comparator.comparingInt(algorithm -> {
      if (KeyUtils.isCertificateAlgorithm(algorithm)) {
        return trustsCa ? 0 : 2;
      }
      return pinnedTypes.contains(KeyUtils.getCanonicalKeyType(algorithm)) ? 1 : 2;
    }));
    return String.join(",", algorithms);
  }
}
