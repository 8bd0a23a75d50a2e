package org.fleetupgrade.controlplane.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach control-plane VMs: the user and the paths of its private key and of the known_hosts
 * file that pins every host key (no key is ever accepted on first sight). {@code remoteCommand}
 * reads the script from standard input on the host.
 */
public record SshSettings(String user, Path privateKey, Path knownHosts, Duration connectTimeout, String remoteCommand) {

  public static final String DEFAULT_REMOTE_COMMAND = "sudo -n /bin/bash -s";

  public SshSettings {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(knownHosts, "knownHosts");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    remoteCommand = remoteCommand == null ? DEFAULT_REMOTE_COMMAND : remoteCommand;
  }
}
