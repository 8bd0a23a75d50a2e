package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which hosts may present a host certificate without principals. */
class SshSettingsTest {

  private static SshSettings noPrincipalsFor(List<String> patterns) {
    return new SshSettings("u", Path.of("key"), Path.of("known_hosts"), Duration.ofSeconds(1), null, patterns);
  }

  @Test
  void patternsMatchHostNamesAsKnownHostsDoes() {
    // Given M-Lab's names, except the sandbox's
    SshSettings settings = noPrincipalsFor(List.of("*.measurement-lab.org", "!*.mlab-sandbox.measurement-lab.org"));

    // When / Then
    assertThat(settings.acceptsCertificatesWithoutPrincipals("mlab1-lga03.mlab-oti.measurement-lab.org")).isTrue();
    assertThat(settings.acceptsCertificatesWithoutPrincipals("MLAB1-LGA03.MLAB-OTI.MEASUREMENT-LAB.ORG")).isTrue();
    assertThat(settings.acceptsCertificatesWithoutPrincipals("mlab1-lga03.mlab-sandbox.measurement-lab.org")).isFalse();
    assertThat(settings.acceptsCertificatesWithoutPrincipals("measurement-lab.org.evil.example")).isFalse();
    assertThat(settings.acceptsCertificatesWithoutPrincipals("35.1.2.3")).isFalse();
    assertThat(settings.acceptsCertificatesWithoutPrincipals(null)).isFalse();
  }

  @Test
  void noPatternsAcceptNoHost() {
    // Given the plain constructor (and an empty list)
    SshSettings plain = new SshSettings("u", Path.of("key"), Path.of("known_hosts"), Duration.ofSeconds(1), null);

    // When / Then
    assertThat(plain.acceptsCertificatesWithoutPrincipals("mlab1-lga03.mlab-oti.measurement-lab.org")).isFalse();
    assertThat(noPrincipalsFor(List.of()).acceptsCertificatesWithoutPrincipals("127.0.0.1")).isFalse();
  }

  @Test
  void aMalformedPatternIsRefusedWhenTheSettingsAreMade() {
    // Given / When / Then
    assertThatThrownBy(() -> noPrincipalsFor(List.of("[*.measurement-lab.org"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'[*.measurement-lab.org' is not a host pattern");
    assertThatThrownBy(() -> noPrincipalsFor(List.of("[*.measurement-lab.org]:2222")))
        .hasMessageContaining("without a port");
    assertThatThrownBy(() -> noPrincipalsFor(List.of("a.org,b.org"))).hasMessageContaining("one pattern per entry");
    assertThatThrownBy(() -> noPrincipalsFor(List.of(" "))).hasMessageContaining("not one host pattern");
  }
}
