package org.fleetupgrade.alerts.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertMatcherTest {

  private static final Map<String, String> CRITICAL = Map.of("alertname", "KubeAPIDown", "severity", "critical");
  private static final Map<String, String> WARNING = Map.of("alertname", "DiskFilling", "severity", "warning");

  @Test
  void theFourOperatorsOnLabelsAndAlertname() {
    assertThat(AlertMatcher.parse("severity=\"critical\"").matches(CRITICAL)).isTrue();
    assertThat(AlertMatcher.parse("severity=\"critical\"").matches(WARNING)).isFalse();
    assertThat(AlertMatcher.parse("alertname!=\"Watchdog\"").matches(CRITICAL)).isTrue();
    assertThat(AlertMatcher.parse("severity=~\"critical|page\"").matches(CRITICAL)).isTrue();
    assertThat(AlertMatcher.parse("severity=~\"critical|page\"").matches(WARNING)).isFalse();
    assertThat(AlertMatcher.parse("alertname!~\"Disk.*\"").matches(WARNING)).isFalse();
    assertThat(AlertMatcher.parse(" alertname !~ 'Disk.*' ").matches(CRITICAL)).isTrue();
  }

  @Test
  void aRegexMatchesTheWholeValueAndAMissingLabelIsEmpty() {
    assertThat(AlertMatcher.parse("severity=~\"crit\"").matches(CRITICAL)).as("anchored, as in PromQL").isFalse();
    assertThat(AlertMatcher.parse("team=\"\"").matches(CRITICAL)).isTrue();
    assertThat(AlertMatcher.parse("team!=\"\"").matches(CRITICAL)).isFalse();
    assertThat(AlertMatcher.parse("team=~\".*\"").matches(CRITICAL)).isTrue();
  }

  @Test
  void escapesInTheQuotedValue() {
    AlertMatcher m = AlertMatcher.parse("instance=~\"10\\\\.0\\\\.0\\\\.1:.*\"");
    assertThat(m.value()).isEqualTo("10\\.0\\.0\\.1:.*");
    assertThat(m.matches(Map.of("instance", "10.0.0.1:9100"))).isTrue();
    assertThat(m.matches(Map.of("instance", "10x0.0.1:9100"))).isFalse();
    assertThat(AlertMatcher.parse("summary=\"say \\\"hi\\\"\"").value()).isEqualTo("say \"hi\"");
  }

  @Test
  void badMatchersSayWhatIsWrong() {
    assertThatThrownBy(() -> AlertMatcher.parse("severity==\"x\"")).hasMessageContaining("is not a label matcher");
    assertThatThrownBy(() -> AlertMatcher.parse("severity=critical")).hasMessageContaining("quoted value");
    assertThatThrownBy(() -> AlertMatcher.parse("1abc=\"x\"")).hasMessageContaining("a label name");
    assertThatThrownBy(() -> AlertMatcher.parse("severity=~\"(crit\"")).hasMessageContaining("not a valid regular expression");
    assertThatThrownBy(() -> AlertMatcher.parse(" ")).hasMessageContaining("empty matcher");
  }

  @Test
  void aSourceBlocksOnWhatEveryIncludeMatchesAndNoExcludeDoes() {
    AlertSource source = new AlertSource(AlertSource.Api.PROMETHEUS, java.net.URI.create("http://p:9090"),
        List.of(AlertMatcher.parse("severity=~\"critical|page\"")),
        List.of(AlertMatcher.parse("alertname=\"Watchdog\"")), AlertSource.DEFAULT_TIMEOUT, false);
    assertThat(source.blocks(CRITICAL)).isTrue();
    assertThat(source.blocks(WARNING)).isFalse();
    assertThat(source.blocks(Map.of("alertname", "Watchdog", "severity", "critical"))).isFalse();
    AlertSource everything = new AlertSource(AlertSource.Api.PROMETHEUS, java.net.URI.create("http://p:9090"), List.of(), List.of(),
        AlertSource.DEFAULT_TIMEOUT, false);
    assertThat(everything.blocks(WARNING)).isTrue();
  }
}
