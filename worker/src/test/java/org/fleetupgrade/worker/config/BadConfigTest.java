package org.fleetupgrade.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's bad day put in front of the loader: files that are no config, keys given
 * twice, values past any sense, and shell syntax in fields that reach a root shell. Each is one
 * error naming the file and the field (or why the file cannot be read), and nothing loads.
 */
class BadConfigTest {

  private static final String REAL_CONTROL_PLANE = """
      controlPlane:
        ssh: {privateKeyPath: /keys/id, knownHostsPath: /keys/known_hosts}
        clusterCidr: 192.168.0.0/16
        serviceCidr: 172.25.0.0/16
      """;

  private static final String REAL_STAGE = """
      stages:
        - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], kubernetes: {}}
      """;

  @TempDir
  Path dir;

  private static ConfigException errors(String yaml) {
    try {
      ConfigLoader.parse(yaml, Path.of("test.yaml"));
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected errors in:\n" + yaml);
  }

  private static ConfigException unreadable(Path file) {
    try {
      ConfigLoader.load(file);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected " + file + " to be refused");
  }

  @Test
  void aFileThatIsNoConfigIsOneLineNamingItAndWhy() throws IOException {
    // Given a binary file, a text with a NUL, a directory, a missing file and a huge file
    Path png = Files.write(dir.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n'});
    Path nul = Files.writeString(dir.resolve("nul.yaml"), "stages:\n  - name: a\0\n");
    Path missing = dir.resolve("missing.yaml");
    Path huge = Files.write(dir.resolve("huge.yaml"), new byte[ConfigLoader.MAX_FILE_BYTES + 1]);

    // When each is loaded, Then one error each, naming the file and the reason
    assertThat(unreadable(png).errors()).containsExactly(png + ": not UTF-8 text (byte 0x89 at offset 0)");
    assertThat(unreadable(nul).errors()).containsExactly(nul + ": not text (a NUL character on line 2)");
    assertThat(unreadable(dir).errors()).containsExactly(dir + ": is a directory, not a file");
    assertThat(unreadable(missing).errors()).containsExactly(missing + ": no such file");
    assertThat(unreadable(huge).errors()).containsExactly(huge + ": larger than 1 MiB: not a config file");
  }

  @Test
  void aFileNobodyMayReadSaysPermissionDenied() throws IOException {
    // Given a config its reader may not read (root reads anything: then there is nothing to test)
    Path secret = Files.writeString(dir.resolve("secret.yaml"), REAL_CONTROL_PLANE + REAL_STAGE);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
    assumeThat(Files.isReadable(secret)).as("running as root").isFalse();

    // When it is loaded, Then the reason is the permission
    assertThat(unreadable(secret).errors()).containsExactly(secret + ": not readable: permission denied");
  }

  @Test
  void aByteOrderMarkIsNotAnError() throws Exception {
    // Given a config saved by an editor that writes a UTF-8 byte order mark
    Path bom = Files.writeString(dir.resolve("bom.yaml"), "\uFEFF" + REAL_CONTROL_PLANE + REAL_STAGE,
        StandardCharsets.UTF_8);

    // When it is loaded, Then it loads
    assertThat(ConfigLoader.load(bom).stageNames()).containsExactly("sandbox");
  }

  @Test
  void aKeyGivenTwiceIsRefusedWithItsPathAndLine() {
    // Given soak given twice in a stage (the last value used to win silently) and a section twice
    ConfigException stage = errors(REAL_CONTROL_PLANE + """
        stages:
          - name: sandbox
            project: mlab-sandbox
            region: us-west2
            zones: [a]
            kubernetes: {}
            soak: 1d
            soak: 30d
        """);
    ConfigException section = errors(REAL_CONTROL_PLANE + REAL_STAGE + REAL_CONTROL_PLANE);

    // Then each names the key's path and where it came again
    assertThat(stage.errors()).hasSize(1);
    assertThat(stage.errors().get(0)).startsWith("test.yaml: stages[0].soak: given twice (again at line 12, column ")
        .endsWith("): a key may appear once in a mapping");
    assertThat(section.errors()).hasSize(1);
    assertThat(section.errors().get(0)).startsWith("test.yaml: controlPlane: given twice (again at line 7, column ");
  }

  @Test
  void aSoakOfAMillionYearsIsRefusedNotLoopedOn() {
    // Given the tester's soak, and one too long to be a number at all
    ConfigException e = errors(REAL_CONTROL_PLANE + """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], kubernetes: {}, soak: 999999999999d}
          - {name: staging, project: mlab-staging, region: us-west2, zones: [a], kubernetes: {},
             soak: 99999999999999999999999999d}
        """);

    // Then both are refused at load time, with the bound and why
    assertThat(e.errors()).containsExactly(
        "test.yaml: stages[0].soak: must be at most 90d (got 999999999999d): a soak is days or weeks",
        "test.yaml: stages[1].soak: must be at most 90d (got 99999999999999999999999999d): a soak is days or weeks");
  }

  @Test
  void everyDurationHasAnUpperBound() {
    // Given each duration field just past its bound
    String real = REAL_CONTROL_PLANE + REAL_STAGE;
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put("controlPlane.ssh.connectTimeout", REAL_CONTROL_PLANE.replace("ssh: {", "ssh: {connectTimeout: 61s, ")
        + REAL_STAGE);
    configs.put("controlPlane.readyzTimeout", REAL_CONTROL_PLANE + "  readyzTimeout: 31m\n" + REAL_STAGE);
    configs.put("controlPlane.scriptTimeout", REAL_CONTROL_PLANE + "  scriptTimeout: 46m\n" + REAL_STAGE);
    configs.put("drain.timeout", real + "drain: {timeout: 41m}\n");
    configs.put("images.gitTimeout", real + "images: {gitTimeout: 31m}\n");
    configs.put("images.buildAppearTimeout", real + "images: {buildAppearTimeout: 61m}\n");
    configs.put("images.buildTimeout", real + "images: {buildTimeout: 1d}\n");
    configs.put("images.pollInterval", real + "images: {pollInterval: 2m}\n");
    configs.put("changelog.timeout", real + "changelog: {timeout: 2m}\n");
    configs.put("health.convergenceDeadline", real + "health: {convergenceDeadline: 8d}\n");
    configs.put("reboot.waveTimeout", real + "reboot: {waveTimeout: 25h}\n");
    configs.put("reboot.nodeDeadline", real + "reboot: {nodeDeadline: 2d}\n");
    configs.put("reboot.firstLook", real + "reboot: {firstLook: 2h}\n");
    configs.put("reboot.triggerTimeout", real + "reboot: {triggerTimeout: 91s}\n");
    configs.put("reboot.kured.ttl", real + "reboot: {kured: {ttl: 2d}}\n");
    configs.put("simulation.timing.nodeReboot", """
        simulation: {timing: {nodeReboot: 2h}}
        stages: [{name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}]
        """);

    // When each is loaded, Then exactly one error: the field and its bound
    configs.forEach((field, yaml) -> assertThat(errors(yaml).errors()).as(field).singleElement().asString()
        .startsWith("test.yaml: " + field + ": must be at most "));
    // And a stage's own settings have the same bounds
    assertThat(errors(REAL_CONTROL_PLANE + """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], kubernetes: {},
             convergenceDeadline: 30d, reboot: {nodeDeadline: 90d}}
        """).errors()).containsExactly(
        "test.yaml: stages[0].reboot.nodeDeadline: must be at most 1d (got 90d): a node not back within a day has failed",
        "test.yaml: stages[0].convergenceDeadline: must be at most 7d (got 30d): a stage not converged within a week"
            + " should block");
  }

  @Test
  void wholeNumbersHaveUpperBoundsAndASimulatedFleetFitsInMemory() {
    // Given the tester's two billion simulated sites, and a fleet too large only in sum
    ConfigException huge = errors("""
        simulation: {faults: [{step: upgrade, times: 5000}]}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a],
             simulated: {currentVersion: v1.30.5, sites: 2000000000, nodesPerSite: 99999999999}}
        """);
    ConfigException sum = errors("""
        simulation: {}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a],
             simulated: {currentVersion: v1.30.5, sites: 5000, nodesPerSite: 4}}
          - {name: staging, project: mlab-staging, region: us-west2, zones: [a],
             simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 4, virtualNodes: 1}}
        """);
    ConfigException real = errors(REAL_CONTROL_PLANE.replace("ssh: {", "ssh: {port: 70000, ") + REAL_STAGE + """
        changelog: {attempts: 100}
        reboot: {maxPerSite: 5000, canary: 500, maxFailedNodes: 5000, maxUnavailable: -99999999999}
        """);

    // Then each names the field and its bound
    assertThat(huge.errors()).containsExactly(
        "test.yaml: simulation.faults[0].times: must be at most 1000 (got 5000): a fault fires at most that often",
        "test.yaml: stages[0].simulated.sites: must be at most 20000 (got 2000000000): " + ConfigLoader.SIMULATED_WHY,
        "test.yaml: stages[0].simulated.nodesPerSite: must be at most 20000 (got 99999999999): "
            + ConfigLoader.SIMULATED_WHY);
    assertThat(sum.errors()).containsExactly("test.yaml: stages: the simulated stages have 20005 nodes in all"
        + " (sites x nodesPerSite + virtualNodes): " + ConfigLoader.SIMULATED_WHY);
    assertThat(real.errors()).extracting(err -> err.substring(0, err.indexOf(" (got")))
        .containsExactlyInAnyOrder(
            "test.yaml: controlPlane.ssh.port: must be at most 65535",
            "test.yaml: changelog.attempts: must be at most 10",
            "test.yaml: reboot.maxPerSite: must be at most 1000",
            "test.yaml: reboot.canary: must be at most 100",
            "test.yaml: reboot.maxFailedNodes: must be at most 1000",
            "test.yaml: reboot.maxUnavailable: must be at least 1");
  }

  @Test
  void shellSyntaxInFieldsThatReachARootShellFailsTheCheck() {
    // Given the five values the tester slipped in, each in its field
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put("controlPlane.namePattern: 'api-$(reboot)-{region}-{zone}'", REAL_CONTROL_PLANE.replace("controlPlane:",
        "controlPlane:\n  namePattern: \"api-$(reboot)-{region}-{zone}\"") + REAL_STAGE);
    configs.put("controlPlane.ssh.user: 'root;id'", REAL_CONTROL_PLANE.replace("ssh: {", "ssh: {user: \"root;id\", ")
        + REAL_STAGE);
    configs.put("controlPlane.clusterCidr: cluster CIDR '10.0.0.0/99;id'", REAL_CONTROL_PLANE.replace("192.168.0.0/16",
        "\"10.0.0.0/99;id\"") + REAL_STAGE);
    configs.put("controlPlane.kubeadmTemplate: kubeadm config template '/opt/$(id)/kubeadm.yml'",
        REAL_CONTROL_PLANE.replace("controlPlane:", "controlPlane:\n  kubeadmTemplate: \"/opt/$(id)/kubeadm.yml\"")
            + REAL_STAGE);
    configs.put("stages[0].adminConfDestination: admin.conf destination 'gs://x;id'", REAL_CONTROL_PLANE + """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], kubernetes: {},
             adminConfDestination: "gs://x;id"}
        """);

    // When each goes through the loader, Then its one error names the field and the value
    configs.forEach((fieldAndValue, yaml) -> assertThat(errors(yaml).errors()).as(fieldAndValue).singleElement()
        .asString().startsWith("test.yaml: " + fieldAndValue + " is not "));
  }
}
