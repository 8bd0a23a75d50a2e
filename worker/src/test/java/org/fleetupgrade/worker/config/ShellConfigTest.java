package org.fleetupgrade.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.fleetupgrade.worker.config.ShellConfig.Assignment;
import org.junit.jupiter.api.Test;

class ShellConfigTest {

  static String fixture(String name) {
    try (InputStream in = ShellConfigTest.class.getResourceAsStream("/import/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static ConfigException errors(String text) {
    try {
      ShellConfig.parse("k8s_deploy.conf", text);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected errors in:\n" + text);
  }

  @Test
  void readsTheShapesOfK8sDeployConfWithLineNumbers() throws ConfigException {
    // Given a file shaped like k8s-support's k8s_deploy.conf
    String text = fixture("k8s_deploy.conf");

    // When it is read
    ShellConfig conf = ShellConfig.parse("k8s_deploy.conf", text);

    // Then quoted values lose their quotes and trailing comments, and each knows its line
    Assignment k8s = conf.get("K8S_VERSION").orElseThrow();
    assertThat(k8s.value()).isEqualTo("v1.35.1");
    assertThat(k8s.where()).isEqualTo("k8s_deploy.conf:11");
    assertThat(conf.get("GCE_NET_TAGS").orElseThrow().value()).isEqualTo("platform-cluster");
    assertThat(conf.get("GCE_ZONES_mlab_oti").orElseThrow().value()).isEqualTo("b c d");
    assertThat(conf.get("K8S_CA_FILES").orElseThrow().value()).isEqualTo("ca.crt ca.key etcd/ca.crt etcd/ca.key");
    // ${VAR} set on an earlier line is expanded
    assertThat(ShellConfig.scalar(conf.get("PROM_BASE_NAME").orElseThrow())).isEqualTo("prometheus-platform-cluster");
    // an array keeps its words
    Assignment days = conf.get("REBOOT_DAYS").orElseThrow();
    assertThat(days.isArray()).isTrue();
    assertThat(days.words()).containsExactly("Tue", "Wed", "Thu");
    assertThatThrownBy(() -> ShellConfig.scalar(days)).hasMessageContaining("k8s_deploy.conf:42")
        .hasMessageContaining("is an array");
    assertThat(conf.assignments()).extracting(Assignment::name).startsWith("GCE_BASE_NAME", "GCE_IMAGE_FAMILY")
        .endsWith("REBOOT_DAYS", "EXIT_AFTER_DELETE");
  }

  @Test
  void readsEpoxyImagesConfigShExportsAndLeavesEnvironmentReferencesUnresolved() throws ConfigException {
    // Given a file shaped like epoxy-images' config.sh, whose SITES uses the build's ${PROJECT}
    ShellConfig sh = ShellConfig.parse("config.sh", fixture("config.sh"));

    // Then exports are read unquoted
    assertThat(sh.get("K8S_CNI_VERSION").orElseThrow().value()).isEqualTo("v1.9.1");
    assertThat(sh.get("MFT_VERSION").orElseThrow().value()).isEqualTo("4.22.0-96");
    // and a value depending on the environment reads only as an error naming the line
    Assignment sites = sh.get("SITES").orElseThrow();
    assertThat(sites.unresolved()).containsExactly("PROJECT");
    assertThatThrownBy(() -> ShellConfig.scalar(sites))
        .hasMessageStartingWith("config.sh:6: SITES refers to ${PROJECT}, which this file does not set before it");
  }

  @Test
  void aMalformedLineIsAnErrorWithItsLineNumberAndEveryErrorIsReportedAtOnce() {
    // Given lines bash might accept but that are not the file's shapes
    ConfigException e = errors("""
        # fine
        K8S_VERSION="v1.35.1"
        K8S_CNI_VERSION = "v1.9.1"
        if [ -n "$X" ]; then
        GCE_ZONES_mlab_oti=b c d
        K8S_CRICTL_VERSION="v1.35.0"; rm -rf /tmp/x
        GCE_REGION_mlab_oti='us-east1'
        PROM="${UNSET:-x}"
        NAME="unterminated
        K8S_VERSION="v1.35.2"
        """);

    // Then each is reported with the file, the line number and the line
    assertThat(e.errors()).containsExactly(
        "k8s_deploy.conf:3: not a comment, a blank line or a NAME=value assignment: K8S_CNI_VERSION = \"v1.9.1\"",
        "k8s_deploy.conf:4: not a comment, a blank line or a NAME=value assignment: if [ -n \"$X\" ]; then",
        "k8s_deploy.conf:5: unexpected text after the value of GCE_ZONES_mlab_oti (only spaces and a # comment may"
            + " follow it): GCE_ZONES_mlab_oti=b c d",
        "k8s_deploy.conf:6: unexpected text after the value of K8S_CRICTL_VERSION (only spaces and a # comment may"
            + " follow it): K8S_CRICTL_VERSION=\"v1.35.0\"; rm -rf /tmp/x",
        "k8s_deploy.conf:7: single quotes are not read: use double quotes or none: GCE_REGION_mlab_oti='us-east1'",
        "k8s_deploy.conf:8: only ${NAME} expansions are read: ${UNSET:-x}: PROM=\"${UNSET:-x}\"",
        "k8s_deploy.conf:9: unterminated double quote (a value must be on one line): NAME=\"unterminated",
        "k8s_deploy.conf:10: K8S_VERSION is already set on line 2 (bash would take the last one silently: keep one):"
            + " K8S_VERSION=\"v1.35.2\"");
  }

  @Test
  void commandSubstitutionIsRefusedWhereverItIs() {
    // Given command substitutions in every place a value can be
    ConfigException e = errors("""
        K8S_VERSION="$(curl -s https://dl.k8s.io/release/stable.txt)"
        K8S_CNI_VERSION=`cat version`
        K8S_CRICTL_VERSION=$(date)
        REBOOT_DAYS=(Tue $(date) Thu)
        ETCDCTL_VERSION=v3.5.24 $(touch /tmp/owned)
        $(touch /tmp/owned)
        GCE_BASE_NAME="platform-cluster" # a comment may say $(anything)
        """);

    // Then each is refused as command substitution, naming its line; a comment is only a comment
    assertThat(e.errors()).hasSize(6).allSatisfy(err -> assertThat(err).contains("command substitution"));
    assertThat(e.errors()).extracting(err -> err.substring(0, err.indexOf(": ")))
        .containsExactly("k8s_deploy.conf:1", "k8s_deploy.conf:2", "k8s_deploy.conf:3", "k8s_deploy.conf:4",
            "k8s_deploy.conf:5", "k8s_deploy.conf:6");
    assertThat(e.errors().get(1)).contains("backticks");
  }

  @Test
  void aValueMayOnlyExpandVariablesSetBeforeIt() throws ConfigException {
    // Given a reference to a later variable, and a bare $NAME
    ShellConfig conf = ShellConfig.parse("k8s_deploy.conf", """
        A="x-${B}"
        B="b"
        C="${B}-${A}"
        """);

    // Then bash's order holds: A cannot see B, and C carries A's unresolved reference
    assertThat(conf.get("A").orElseThrow().unresolved()).containsExactly("B");
    assertThat(conf.get("C").orElseThrow().value()).isEqualTo("b-x-${B}");
    assertThat(conf.get("C").orElseThrow().unresolved()).containsExactly("B");
    assertThat(errors("A=\"$HOME/x\"\n").errors()).singleElement().asString()
        .startsWith("k8s_deploy.conf:1: only ${NAME} expansions are read: $HOME/x");
    assertThat(errors("A=\"a\\\"b\"\n").errors()).singleElement().asString().contains("backslashes are not read");
  }

  @Test
  void emptyValuesCommentsAndWindowsLineEndingsAreRead() throws ConfigException {
    ShellConfig conf = ShellConfig.parse("config.sh", "  export A=   # nothing\r\nB=\"\"\r\n   # indented comment\r\n");

    assertThat(conf.get("A").orElseThrow().value()).isEmpty();
    assertThat(conf.get("B").orElseThrow().value()).isEmpty();
    assertThat(conf.get("B").orElseThrow().line()).isEqualTo(2);
  }
}
