package org.fleetupgrade.controlplane.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach control-plane VMs and platform nodes: the user and the paths of its private key and
 * of the known_hosts file that pins every host key (no key is ever accepted on first sight): plain
 * keys, or {@code @cert-authority} lines whose CA signs the hosts' certificates. {@code
 * remoteCommand} reads the script from standard input on the host.
 *
 * <p>{@code acceptCertificatesWithoutPrincipals}: whether a host certificate that names no host at
 * all (an empty principal list) is accepted when it is signed by a trusted {@code @cert-authority}.
 * OpenSSH 10.3 and later refuse such certificates (before, they were valid for any host), and so
 * does MINA SSHD by default. M-Lab needs {@code true}: epoxy-images signs each platform node's host
 * key with M-Lab's host CA without {@code -n} ({@code ssh-keygen -s host_ca -I mlab -h}), so every
 * node's certificate has no principals, and the CA's host patterns in known_hosts are then the only
 * thing tying a certificate to the hosts it may stand for. The plain constructor leaves it
 * {@code false}.
 */
public record SshSettings(String user, Path privateKey, Path knownHosts, Duration connectTimeout, String remoteCommand,
    boolean acceptCertificatesWithoutPrincipals) {

  public static final String DEFAULT_REMOTE_COMMAND = "sudo -n /bin/bash -s";

  public SshSettings {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(knownHosts, "knownHosts");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    remoteCommand = remoteCommand == null ? DEFAULT_REMOTE_COMMAND : remoteCommand;
  }

  /** Host certificates must name the host they stand for (no empty principal list). */
  public SshSettings(String user, Path privateKey, Path knownHosts, Duration connectTimeout, String remoteCommand) {
    this(user, privateKey, knownHosts, connectTimeout, remoteCommand, false);
  }

  /** These settings with another remote command (the SSH reboot triggers send their own). */
  public SshSettings withRemoteCommand(String command) {
    return new SshSettings(user, privateKey, knownHosts, connectTimeout, command, acceptCertificatesWithoutPrincipals);
  }
}
