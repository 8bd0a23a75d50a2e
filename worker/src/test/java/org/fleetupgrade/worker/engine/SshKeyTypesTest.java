package org.fleetupgrade.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.PublicKey;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.junit.jupiter.api.Test;

/**
 * The worker's own classpath (not the activities' tests', which carry Bouncy Castle through a test
 * dependency) can read ed25519 keys: M-Lab's host CA and its nodes' host keys are ssh-ed25519, and
 * MINA SSHD 2.x has no EdDSA of its own, nor uses the JDK's. Without a provider it skips such a
 * known_hosts line with a warning, and every M-Lab node is refused.
 */
class SshKeyTypesTest {

  private static final String CA_LINE = "@cert-authority *.measurement-lab.org ssh-ed25519"
      + " AAAAC3NzaC1lZDI1NTE5AAAAIHMKcY1PbOzst91BkZS6JvVxT9q3wAeWZbX4Dejcvf43";

  @Test
  void anEd25519CertAuthorityLineResolvesToAKey() throws Exception {
    // Given M-Lab's kind of known_hosts line
    KnownHostEntry line = KnownHostEntry.parseKnownHostEntry(CA_LINE);

    // When its key is resolved as the known_hosts verifier does (failing instead of skipping)
    PublicKey key = line.getKeyEntry().resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING);

    // Then there is an EdDSA provider and the key is there
    assertThat(SecurityUtils.isEDDSACurveSupported()).isTrue();
    assertThat(key).isNotNull();
  }
}
