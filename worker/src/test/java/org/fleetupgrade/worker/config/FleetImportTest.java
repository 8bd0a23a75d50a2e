package org.fleetupgrade.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fleetupgrade.worker.config.ShellConfigTest.fixture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.worker.config.FleetImport.Change;
import org.fleetupgrade.worker.config.FleetImport.Disagreement;
import org.fleetupgrade.worker.config.FleetImport.Plan;
import org.fleetupgrade.worker.config.FleetImport.Prefer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetImportTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  @TempDir
  Path dir;

  private Path fleetYamlCopy() throws IOException {
    Path copy = dir.resolve("fleet.yaml");
    Files.copy(REPO.resolve("config/fleet.yaml"), copy);
    return copy;
  }

  private static ShellConfig k8sDeploy(String... replacements) throws ConfigException {
    return ShellConfig.parse("k8s_deploy.conf", replaced(fixture("k8s_deploy.conf"), replacements));
  }

  private static ShellConfig epoxy(String... replacements) throws ConfigException {
    return ShellConfig.parse("config.sh", replaced(fixture("config.sh"), replacements));
  }

  /** The text with each pair (old, new) replaced; each old must be there. */
  private static String replaced(String text, String... pairs) {
    for (int i = 0; i < pairs.length; i += 2) {
      assertThat(text).contains(pairs[i]);
      text = text.replace(pairs[i], pairs[i + 1]);
    }
    return text;
  }

  private static Plan plan(ShellConfig k8sDeploy, ShellConfig epoxy, Path into, Prefer prefer)
      throws ConfigException, IOException {
    return FleetImport.plan(k8sDeploy, epoxy, into, Files.readString(into), prefer);
  }

  /** The lines of {@code after} that differ from {@code before} (same line count expected). */
  private static List<String> changedLines(String before, String after) {
    List<String> a = before.lines().toList();
    List<String> b = after.lines().toList();
    assertThat(b).hasSameSizeAs(a);
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).equals(b.get(i))) {
        changed.add(b.get(i));
      }
    }
    return changed;
  }

  @Test
  void newerVersionsAreWrittenIntoACopyOfFleetYamlKeepingEveryOtherByte() throws Exception {
    // Given a copy of config/fleet.yaml and the two files, which agree on the three versions
    Path into = fleetYamlCopy();
    String before = Files.readString(into);

    // When the import is planned and written
    Plan plan = plan(k8sDeploy(), epoxy(), into, null);
    FleetImport.write(into, before, plan.result());

    // Then the two versions change, each from its line, and nothing else in the file does
    assertThat(plan.changes()).extracting(Change::describe).containsExactly(
        "versions.cni: v1.9.0 -> v1.9.1 (from k8s_deploy.conf:12)",
        "versions.crictl: v1.34.0 -> v1.35.0 (from k8s_deploy.conf:13)");
    String after = Files.readString(into);
    assertThat(changedLines(before, after)).containsExactly(
        "  cni: v1.9.1                     # what the fleet runs (epoxy-images config.sh): never older",
        "  crictl: v1.35.0");
    assertThat(ConfigLoader.load(into).versions()).isEqualTo(new FleetConfig.Versions("v1.9.1", "v1.35.0"));
    // the Kubernetes version has no place in the config: it is said, not written
    assertThat(plan.notes()).contains("kubernetes v1.35.1 (from k8s_deploy.conf:11) is not kept in the config: give"
        + " it to `start --kubernetes v1.35.1`");
    // a disagreement on a variable the import does not read is reported and blocks nothing
    assertThat(plan.disagreements()).extracting(Disagreement::describe).containsExactly(
        "ETCDCTL_VERSION differs: v3.5.24 (k8s_deploy.conf:16) vs v3.5.16 (config.sh:18) (not imported)");
    assertThat(plan.unsettled()).isEmpty();
    assertThat(plan.notes()).anySatisfy(n -> assertThat(n).startsWith("config.sh: not imported (the config has no"
        + " place for them): SITES, K8S_FLANNELCNI_VERSION, MFT_VERSION, ETCDCTL_VERSION"));
    // and a second import finds nothing to change
    assertThat(plan(k8sDeploy(), epoxy(), into, null).changes()).isEmpty();
  }

  @Test
  void perProjectSettingsGoToTheStageOfTheProjectAndAMissingKeyIsAddedInItsStage() throws Exception {
    // Given k8s_deploy.conf with other zones for production, another region and admin.conf bucket for staging,
    // another VM base name and service CIDR, and a project the config has no stage for
    Path into = fleetYamlCopy();
    String before = Files.readString(into);
    ShellConfig conf = k8sDeploy(
        "GCE_ZONES_mlab_oti=\"b c d\"", "GCE_ZONES_mlab_oti=\"b c e\"",
        "GCE_REGION_mlab_staging=\"us-central1\"", "GCE_REGION_mlab_staging=\"us-east4\"",
        "GCS_BUCKET_K8S_mlab_staging=\"k8s-support-mlab-staging\"", "GCS_BUCKET_K8S_mlab_staging=\"staging-k8s\"",
        "GCE_BASE_NAME=\"platform-cluster\"", "GCE_BASE_NAME=\"platform-cluster-2\"",
        "K8S_SERVICE_CIDR=\"172.25.0.0/16\"", "K8S_SERVICE_CIDR=\"172.26.0.0/16\"",
        "# Production", "GCE_REGION_mlab_foo=\"europe-west1\"\n# Production");

    // When only k8s_deploy.conf is imported
    Plan plan = plan(conf, null, into, null);
    String after = plan.result();

    // Then each setting changes where its stage is, from its line
    assertThat(plan.changes()).extracting(Change::describe).containsExactly(
        "versions.cni: v1.9.0 -> v1.9.1 (from k8s_deploy.conf:12)",
        "versions.crictl: v1.34.0 -> v1.35.0 (from k8s_deploy.conf:13)",
        "controlPlane.namePattern: api-platform-cluster-{region}-{zone} -> api-platform-cluster-2-{region}-{zone}"
            + " (from k8s_deploy.conf:3)",
        "controlPlane.serviceCidr: 172.25.0.0/16 -> 172.26.0.0/16 (from k8s_deploy.conf:19)",
        "stages[1].region: us-central1 -> us-east4 (from k8s_deploy.conf:32)",
        "stages[1].adminConfDestination: gs://k8s-support-mlab-staging/admin.conf -> gs://staging-k8s/admin.conf"
            + " (from k8s_deploy.conf:34)",
        "stages[2].zones: [b, c, d] -> [b, c, e] (from k8s_deploy.conf:39)");
    // quoting, trailing comments and indentation stay; the absent key gets a line in its stage
    assertThat(after).contains(
        "  namePattern: \"api-platform-cluster-2-{region}-{zone}\"   # one VM per zone\n",
        "  serviceCidr: 172.26.0.0/16\n",
        "    region: us-east4\n",
        "    zones: [b, c, e]\n",
        "    promotion: window            # then the weekly promotion window\n"
            + "    adminConfDestination: gs://staging-k8s/admin.conf\n");
    assertThat(after.lines().count()).isEqualTo(before.lines().count() + 1);
    FleetConfig loaded = ConfigLoader.parse(after, into);
    assertThat(loaded.stage("staging").orElseThrow().adminConf().destination()).isEqualTo("gs://staging-k8s/admin.conf");
    assertThat(loaded.stage("production").orElseThrow().zones()).containsExactly("b", "c", "e");
    assertThat(loaded.stage("sandbox").orElseThrow().adminConf().destination())
        .as("the default already says it: nothing written").isEqualTo("gs://k8s-support-mlab-sandbox/admin.conf");
    // a project without a stage is said, not added
    assertThat(plan.notes()).anySatisfy(n -> assertThat(n).startsWith(
        "k8s_deploy.conf:36: project mlab-foo has no stage in the config: not added"));
    assertThat(Files.readString(into)).as("planning writes nothing").isEqualTo(before);
  }

  @Test
  void aDisagreementOnAVersionLeavesItUnsettledUntilPreferSaysWhichFileWins() throws Exception {
    // Given config.sh with a newer CNI version than k8s_deploy.conf
    Path into = fleetYamlCopy();
    ShellConfig sh = epoxy("export K8S_CNI_VERSION=v1.9.1", "export K8S_CNI_VERSION=v1.10.0");

    // When neither file is preferred
    Plan unsettled = plan(k8sDeploy(), sh, into, null);

    // Then the disagreement is unsettled and the CNI version is not among the changes
    assertThat(unsettled.unsettled()).extracting(Disagreement::describe).containsExactly(
        "K8S_CNI_VERSION differs: v1.9.1 (k8s_deploy.conf:12) vs v1.10.0 (config.sh:10)");
    assertThat(unsettled.changes()).extracting(Change::path).containsExactly("versions.crictl");

    // And --prefer takes that file's value, citing its line
    Plan epoxy = plan(k8sDeploy(), sh, into, Prefer.EPOXY);
    assertThat(epoxy.unsettled()).isEmpty();
    assertThat(epoxy.disagreements().get(0).describe()).endsWith(": --prefer epoxy takes v1.10.0");
    assertThat(epoxy.changes()).extracting(Change::describe)
        .contains("versions.cni: v1.9.0 -> v1.10.0 (from config.sh:10)");
    assertThat(plan(k8sDeploy(), sh, into, Prefer.K8S_DEPLOY).changes()).extracting(Change::describe)
        .contains("versions.cni: v1.9.0 -> v1.9.1 (from k8s_deploy.conf:12)");
  }

  @Test
  void aVersionOlderThanTheConfigsIsADowngrade() throws Exception {
    Path into = fleetYamlCopy();

    Plan plan = plan(k8sDeploy("K8S_CNI_VERSION=\"v1.9.1\"", "K8S_CNI_VERSION=\"v1.8.0\""), null, into, null);

    assertThat(plan.downgrades()).extracting(Change::describe)
        .containsExactly("versions.cni: v1.9.0 -> v1.8.0 (from k8s_deploy.conf:12)");
    assertThat(plan.changes()).filteredOn(c -> !c.downgrade()).extracting(Change::path)
        .containsExactly("versions.crictl");
  }

  @Test
  void unusableValuesAreErrorsNamingTheirLine() throws Exception {
    Path into = fleetYamlCopy();

    assertThatThrownBy(() -> plan(k8sDeploy("K8S_CNI_VERSION=\"v1.9.1\"", "K8S_CNI_VERSION=\"1.9\"",
        "GCE_REGION_mlab_oti=\"us-east1\"", "GCE_REGION_mlab_oti=\"US East\"",
        "GCE_ZONES_mlab_oti=\"b c d\"", "GCE_ZONES_mlab_oti=\"us-east1-b\""), null, into, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
            "k8s_deploy.conf:12: K8S_CNI_VERSION: '1.9' is not a release version: expected vMAJOR.MINOR.PATCH, e.g."
                + " v1.31.2: K8S_CNI_VERSION=\"1.9\" # https://github.com/containernetworking/plugins/releases",
            "k8s_deploy.conf:37: GCE_REGION_mlab_oti: 'US East' is not a GCP region (e.g. us-east1):"
                + " GCE_REGION_mlab_oti=\"US East\"",
            "k8s_deploy.conf:38: GCE_ZONES_mlab_oti: expected zone letters (e.g. \"b c d\"):"
                + " GCE_ZONES_mlab_oti=\"us-east1-b\""));
    assertThatThrownBy(() -> plan(k8sDeploy(), epoxy("export K8S_VERSION=v1.35.1\n", ""), into, null))
        .hasMessageContaining("config.sh: sets no K8S_VERSION");
  }

  @Test
  void aResultTheLoaderRejectsIsNotProduced() throws Exception {
    // Given zones the loader refuses (a zone twice)
    Path into = fleetYamlCopy();
    Plan plan = plan(k8sDeploy("GCE_ZONES_mlab_oti=\"b c d\"", "GCE_ZONES_mlab_oti=\"b b d\""), null, into, null);

    // Then the edited text is refused with the loader's reason
    assertThatThrownBy(plan::result).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
        .contains(into + ": with these changes the config would not load, so nothing is written:",
            "  " + into + ": stages[2].zones: lists a zone twice"));
  }

  @Test
  void theEditorKeepsQuotingAddsAbsentKeysAndRefusesWhatItCannotEditOnOneLine() throws Exception {
    // Given a config with single-quoted, double-quoted and absent values, and a block list of zones
    String yaml = """
        # a comment with a character outside the BMP (🚀), which SnakeYAML counts as one position
        versions:
          crictl: 'v1.34.0'   # kept quoted
        controlPlane:
          ssh: {privateKeyPath: /k, knownHostsPath: /h}
          clusterCidr: "192.168.0.0/16"
          serviceCidr: 172.25.0.0/16
        stages:
          - name: production
            project: mlab-oti
            region: us-east1
            zones:
              - b
              - c
        """;
    Path into = dir.resolve("small.yaml");
    Files.writeString(into, yaml);

    // When versions and production's zones are imported
    Plan plan = plan(k8sDeploy("GCE_ZONES_mlab_oti=\"b c d\"", "GCE_ZONES_mlab_oti=\"b c\""), null, into, null);
    String after = plan.result();

    // Then quoting stays, the absent cni is added beside crictl, and the block list (unchanged) is left alone
    assertThat(after).startsWith("""
        # a comment with a character outside the BMP (🚀), which SnakeYAML counts as one position
        versions:
          crictl: 'v1.35.0'   # kept quoted
          cni: v1.9.1
        controlPlane:
          ssh: {privateKeyPath: /k, knownHostsPath: /h}
          clusterCidr: "192.168.0.0/16"
        """);
    // a block list that would change must be edited by hand
    Plan blockList = plan(k8sDeploy(), null, into, null);
    assertThatThrownBy(blockList::result).hasMessageContaining(
        into + ": stages[0].zones: is not a one-line list like [a, b, c]");
    // and a missing section is not invented
    Path noVersions = dir.resolve("no-versions.yaml");
    Files.writeString(noVersions, yaml.replace("versions:\n  crictl: 'v1.34.0'   # kept quoted\n", ""));
    assertThatThrownBy(plan(k8sDeploy("GCE_ZONES_mlab_oti=\"b c d\"", "GCE_ZONES_mlab_oti=\"b c\""), null,
        noVersions, null)::result).hasMessageContaining(
            "versions.cni: cannot be added: versions is absent: add cni: v1.9.1 by hand");
  }

  @Test
  void aConfigThatDoesNotLoadIsNotImportedInto() throws Exception {
    Path into = dir.resolve("broken.yaml");
    Files.writeString(into, "stages: []\n");

    assertThatThrownBy(() -> plan(k8sDeploy(), null, into, null)).hasMessageContaining(
        into + " does not load, so nothing is imported into it; fix it first:");
  }
}
