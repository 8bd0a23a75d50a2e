package org.fleetupgrade.controlplane.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.sshd.client.config.hosts.HostPatternValue;
import org.apache.sshd.client.config.hosts.HostPatternsHolder;

/**
 * How to reach control-plane VMs and platform nodes: the user and the paths of its private key and
 * of the known_hosts file that pins every host key (no key is ever accepted on first sight): plain
 * keys, or {@code @cert-authority} lines whose CA signs the hosts' certificates. {@code
 * remoteCommand} reads the script from standard input on the host.
 *
 * <p>{@code acceptCertificatesWithoutPrincipalsFor}: the host patterns (as in known_hosts: {@code
 * *}, {@code ?}, a leading {@code !} negates; no {@code [host]:port}) of the hosts whose certificate
 * may name no host at all (an empty principal list), when signed by a trusted {@code
 * @cert-authority}; matched against the name the host key is checked under (the host-key alias, or
 * the host connected to). Empty: never. OpenSSH 10.3 and later refuse such certificates (before,
 * they were valid for any host), and so does MINA SSHD by default. M-Lab's platform nodes need
 * {@code *.measurement-lab.org}: epoxy-images signs each node's host key with M-Lab's host CA without
 * {@code -n} ({@code ssh-keygen -s host_ca -I mlab -h}), so every node's certificate has no
 * principals, and then the CA's host patterns in known_hosts are the only thing tying a certificate
 * to the hosts it may stand for: one node's certificate is accepted for every host the patterns
 * match. The plain constructor accepts none.
 */
public record SshSettings(String user, Path privateKey, Path knownHosts, Duration connectTimeout, String remoteCommand,
    List<String> acceptCertificatesWithoutPrincipalsFor) {

  public static final String DEFAULT_REMOTE_COMMAND = "sudo -n /bin/bash -s";

  public SshSettings {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(knownHosts, "knownHosts");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    remoteCommand = remoteCommand == null ? DEFAULT_REMOTE_COMMAND : remoteCommand;
    acceptCertificatesWithoutPrincipalsFor = List.copyOf(acceptCertificatesWithoutPrincipalsFor == null ? List.of()
        : acceptCertificatesWithoutPrincipalsFor);
    acceptCertificatesWithoutPrincipalsFor.forEach(SshSettings::checkHostPattern);
  }

  /** Host certificates must name the host they stand for (no empty principal list). */
  public SshSettings(String user, Path privateKey, Path knownHosts, Duration connectTimeout, String remoteCommand) {
    this(user, privateKey, knownHosts, connectTimeout, remoteCommand, List.of());
  }

  /** These settings with another remote command (the SSH reboot triggers send their own). */
  public SshSettings withRemoteCommand(String command) {
    return new SshSettings(user, privateKey, knownHosts, connectTimeout, command, acceptCertificatesWithoutPrincipalsFor);
  }

  /** Whether a host certificate without principals is accepted from {@code host} (a name or address). */
  public boolean acceptsCertificatesWithoutPrincipals(String host) {
    return host != null && HostPatternsHolder.isHostMatch(host, 0,
        HostPatternsHolder.parsePatterns(acceptCertificatesWithoutPrincipalsFor));
  }

  /**
   * {@code pattern} if it is a host pattern as known_hosts reads them, without a port; else
   * IllegalArgumentException saying why (for config checks).
   */
  public static String checkHostPattern(String pattern) {
    if (pattern == null || pattern.isBlank() || pattern.contains(",")) {
      throw new IllegalArgumentException("'" + pattern + "' is not one host pattern (write one pattern per entry)");
    }
    HostPatternValue value;
    try {
      value = HostPatternsHolder.toPattern(pattern);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + pattern + "' is not a host pattern: " + e.getMessage());
    }
    if (value == null || value.getPort() != 0) {
      throw new IllegalArgumentException("'" + pattern + "' is not a host pattern without a port ([host]:port is"
          + " not matched here)");
    }
    return pattern;
  }
}
