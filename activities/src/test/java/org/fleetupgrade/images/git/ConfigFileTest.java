package org.fleetupgrade.images.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import org.fleetupgrade.images.VersionChange;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.Test;

class ConfigFileTest {

  static final TargetVersions TARGET = TargetVersions.parse("v1.35.1", "v1.9.1", "v1.35.0");

  @Test
  void onlyTheThreeValuesChangeAndEveryOtherByteStays() {
    // Given a file with comments, a look-alike variable, quotes, a trailing comment and CRLF line endings
    String text = "# K8S component versions\r\n"
        + "# export K8S_VERSION=v0.0.1 (a comment, not a setting)\r\n"
        + "export K8S_VERSION=v1.34.4\r\n"
        + "export K8S_VERSION_NOTES=keep\r\n"
        + "  export K8S_CNI_VERSION=\"v1.9.0\"  # quoted\r\n"
        + "export K8S_CRICTL_VERSION='v1.34.0'\r\n"
        + "export ETCDCTL_VERSION=v3.5.16\r\n";

    // When it is edited to the target
    ConfigFile edited = new ConfigFile("config.sh", text).edit(TARGET);

    // Then exactly the three values moved
    assertThat(edited.text()).isEqualTo(text.replace("=v1.34.4", "=v1.35.1").replace("\"v1.9.0\"", "\"v1.9.1\"")
        .replace("'v1.34.0'", "'v1.35.0'"));
    assertThat(new ConfigFile("config.sh", text).changesTo(TARGET)).containsExactly(
        new VersionChange("K8S_VERSION", "v1.34.4", "v1.35.1"),
        new VersionChange("K8S_CNI_VERSION", "v1.9.0", "v1.9.1"),
        new VersionChange("K8S_CRICTL_VERSION", "v1.34.0", "v1.35.0"));
    assertThat(edited.carries(TARGET)).isTrue();
    assertThat(edited.changesTo(TARGET)).isEmpty();
    assertThat(edited.edit(TARGET).text()).isEqualTo(edited.text());
  }

  @Test
  void aVariableSetTwiceIsRefusedNamingBothLines() {
    String text = "export K8S_VERSION=v1.34.4\nexport K8S_CNI_VERSION=v1.9.0\nexport K8S_CRICTL_VERSION=v1.34.0\n"
        + "export K8S_VERSION=v1.33.0\n";
    assertThatThrownBy(() -> new ConfigFile("config.sh at abc", text).edit(TARGET))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(ConfigFile.MALFORMED);
        })
        .hasMessageContaining("config.sh at abc: `export K8S_VERSION=` is set twice (lines 1 and 4)");
  }

  @Test
  void aMissingVariableIsRefusedNamingIt() {
    String text = "export K8S_VERSION=v1.34.4\nexport K8S_CRICTL_VERSION=v1.34.0\n";
    assertThatThrownBy(() -> new ConfigFile("config.sh", text).edit(TARGET))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("config.sh: has no `export K8S_CNI_VERSION=` line");
  }

  @Test
  void anEmptyValueIsRefusedWithItsLine() {
    String text = "export K8S_VERSION=v1.34.4\nexport K8S_CNI_VERSION=\nexport K8S_CRICTL_VERSION=v1.34.0\n";
    assertThatThrownBy(() -> new ConfigFile("config.sh", text).value("K8S_CNI_VERSION"))
        .hasMessageContaining("config.sh: line 2: `export K8S_CNI_VERSION=` has no value");
  }
}
