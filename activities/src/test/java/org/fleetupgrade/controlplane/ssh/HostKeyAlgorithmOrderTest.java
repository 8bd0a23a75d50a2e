package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.junit.jupiter.api.Test;

class HostKeyAlgorithmOrderTest {

  private static final String CA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHMKcY1PbOzst91BkZS6JvVxT9q3wAeWZbX4Dejcvf43";
  private static final String HOST_KEY = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBE"
      + "Ckf/7dd9u1sSGAd9IBHfKwqy1DcUJPrRgOkRBXbg0j28rVsbu4aIdkbhFS/fVOWsbK2u8RzP4zqMmeTxAb4E0=";
  private static final String MINA_DEFAULT = "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
      + "rsa-sha2-512-cert-v01@openssh.com,ecdsa-sha2-nistp256,ssh-ed25519,rsa-sha2-512,rsa-sha2-256";
  private static final String NODE = "mlab1-lga03.measurement-lab.org";

  private static List<KnownHostEntry> knownHosts(String... lines) {
    return Arrays.stream(lines).map(KnownHostEntry::parseKnownHostEntry).toList();
  }

  @Test
  void certificatesAreAskedForWhenACaIsTrustedForTheHost() {
    // Given known_hosts trusts M-Lab's host CA for every M-Lab name
    List<KnownHostEntry> lines = HostKeyAlgorithmOrder.forHost(
        knownHosts("@cert-authority *.measurement-lab.org " + CA), NODE, 22);

    // When / Then certificate algorithms stay first
    assertThat(lines).hasSize(1);
    assertThat(HostKeyAlgorithmOrder.order(MINA_DEFAULT, lines)).isEqualTo(MINA_DEFAULT);
  }

  @Test
  void aPinnedKeysAlgorithmsComeFirstWhenNoCaIsTrustedForTheHost() {
    // Given known_hosts pins the node's ECDSA key, and trusts the CA for other hosts only
    List<KnownHostEntry> lines = HostKeyAlgorithmOrder.forHost(knownHosts(
        NODE + " " + HOST_KEY,
        "@cert-authority *.measurement-lab.org,!" + NODE + " " + CA,
        "@cert-authority [" + NODE + "]:2222 " + CA), NODE, 22);

    // When / Then the pinned key's algorithm comes first, then the rest as they were (OpenSSH's order)
    assertThat(lines).hasSize(1);
    assertThat(HostKeyAlgorithmOrder.order(MINA_DEFAULT, lines)).isEqualTo("ecdsa-sha2-nistp256,"
        + "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,"
        + "ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
  }

  @Test
  void revokedLinesDoNotCount() {
    List<KnownHostEntry> lines = HostKeyAlgorithmOrder.forHost(knownHosts("@revoked * " + CA), NODE, 22);

    assertThat(lines).isEmpty();
    assertThat(HostKeyAlgorithmOrder.order(MINA_DEFAULT, lines)).isEqualTo(MINA_DEFAULT);
  }
}
