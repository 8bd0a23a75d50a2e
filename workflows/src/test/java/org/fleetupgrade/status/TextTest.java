package org.fleetupgrade.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TextTest {

  @Test
  void durationsReadAsTheConfigWritesThem() {
    assertThat(Text.duration(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Text.duration(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(Text.duration(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(Text.duration(Duration.ofDays(1))).isEqualTo("1d");
    assertThat(Text.duration(Duration.ofDays(7))).as("not PT168H").isEqualTo("7d");
    assertThat(Text.duration(Duration.ofHours(26))).isEqualTo("1d2h");
    assertThat(Text.duration(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Text.duration(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(Text.duration(Duration.ofMillis(1500))).isEqualTo("1s500ms");
    assertThat(Text.duration(Duration.ZERO)).isEqualTo("0s");
    assertThat(Text.duration(Duration.ofDays(-1))).isEqualTo("-1d");
    assertThat(Text.duration(Duration.ofNanos(10))).as("below what it prints").isEqualTo("0s");
  }

  @Test
  void roughlyKeepsTheTwoLargestUnits() {
    assertThat(Text.roughly(Duration.ofDays(6).plusHours(23).plusMinutes(5))).isEqualTo("6d23h");
    assertThat(Text.roughly(Duration.ofMinutes(11).plusSeconds(23))).isEqualTo("11m23s");
    assertThat(Text.roughly(Duration.ofHours(2).plusSeconds(5))).as("2h0m: the minutes are 0").isEqualTo("2h");
    assertThat(Text.roughly(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Text.roughly(Duration.ofMillis(1999))).isEqualTo("1s");
    assertThat(Text.roughly(Duration.ofMillis(300))).isEqualTo("300ms");
    assertThat(Text.roughly(Duration.ZERO)).isEqualTo("0s");
    assertThat(Text.roughly(Duration.ofMinutes(-12))).isEqualTo("-12m");
  }

  @Test
  void countsAgreeWithTheirNoun() {
    assertThat(Text.count(1, "node")).isEqualTo("1 node");
    assertThat(Text.count(2, "node")).isEqualTo("2 nodes");
    assertThat(Text.count(0, "member")).isEqualTo("0 members");
    assertThat(Text.count(1, "problem")).isEqualTo("1 problem");
    assertThat(Text.count(3, "security note")).isEqualTo("3 security notes");
    assertThat(Text.count(2, "kubeadm fix")).isEqualTo("2 kubeadm fixes");
    assertThat(Text.count(2, "deprecation")).isEqualTo("2 deprecations");
    assertThat(Text.count(2, "policy")).isEqualTo("2 policies");
    assertThat(Text.count(2, "day")).isEqualTo("2 days");
    assertThat(Text.count(2, "pod", "pods evicted")).isEqualTo("2 pods evicted");
  }
}
