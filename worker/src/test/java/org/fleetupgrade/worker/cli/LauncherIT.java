package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.worker.cli.JarProcess.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher the package step puts next to the jar (target/fleet-upgrade): arguments and exit
 * codes pass through untouched, from any directory and through symlinks; client commands get the
 * class-data-sharing archive and the short-lived JVM's options, worker, dev and demo do not; and a
 * missing, unusable or stale archive never breaks a command, nor adds a word to its output.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class LauncherIT {

  static final Path LAUNCHER = JarProcess.JAR.resolveSibling("fleet-upgrade");
  static final Path ARCHIVE = JarProcess.JAR.resolveSibling("fleet-upgrade.jsa");
  static final String CLIENT_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto";

  /** The working directory of every run: not the repository, so nothing is found relative to it. */
  @TempDir
  static Path dir;

  /** What `java -jar fleet-upgrade.jar -V` prints. */
  static String version;

  @BeforeAll
  static void packaged() {
    assertThat(LAUNCHER).as("the package step puts the launcher next to the jar").isExecutable();
    assertThat(ARCHIVE).as("the package step builds the archive next to the jar").isRegularFile();
    Result v = JarProcess.run("-V");
    assertThat(v.exit()).isZero();
    version = v.out();
  }

  private static Result run(Path launcher, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> environment = builder.environment();
    List.of("JAVA", "JAVA_OPTS", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE").forEach(environment::remove);
    environment.put("JAVA_HOME", System.getProperty("java.home"));
    environment.putAll(env);
    return JarProcess.run(builder);
  }

  private static Result run(String... args) {
    return run(LAUNCHER, Map.of(), args);
  }

  /** A "java" that prints each argument it gets on a line of its own, in brackets, and exits $FAKE_EXIT. */
  private static Path fakeJdk(String name) throws IOException {
    Path java = dir.resolve(name).resolve("bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, """
        #!/bin/sh
        for a in "$@"; do printf '[%s]\\n' "$a"; done
        exit "${FAKE_EXIT:-0}"
        """);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return java.getParent().getParent();
  }

  private static List<String> argumentsOf(Result result) {
    assertThat(result.err()).isEmpty();
    return result.out().lines().map(l -> l.substring(1, l.length() - 1)).toList();
  }

  @Test
  void theJvmGetsEveryArgumentAsGivenAndClientOptionsOnlyForClientCommands() throws IOException {
    String jdk = fakeJdk("jdk").toString();
    String jar = JarProcess.JAR.toRealPath().toString();
    // A file named like JAVA_OPTS's pattern: the launcher must split JAVA_OPTS into words, never expand it.
    Files.writeString(dir.resolve("-Dx=aXb"), "");
    Map<String, String> env = Map.of("JAVA_HOME", jdk, "JAVA_OPTS", "-Xmx300m  -Dx=a*b");

    List<String> client = new ArrayList<>(List.of(CLIENT_OPTIONS.split(" ")));
    client.addAll(List.of("-XX:SharedArchiveFile=" + ARCHIVE.toRealPath(), "-Xlog:cds*=off", "-Xmx300m", "-Dx=a*b",
        "-jar", jar, "status", "two words", "", "*", "--json"));
    assertThat(argumentsOf(run(LAUNCHER, env, "status", "two words", "", "*", "--json"))).isEqualTo(client);

    for (String command : List.of("worker", "dev", "demo")) {
      assertThat(argumentsOf(run(LAUNCHER, env, command, "--config", "my fleet.yaml")))
          .as("%s runs long: C2, the default GC, no archive", command)
          .containsExactly("-Xmx300m", "-Dx=a*b", "-jar", jar, command, "--config", "my fleet.yaml");
    }

    String other = fakeJdk("other").resolve("bin/java").toString();
    assertThat(argumentsOf(run(LAUNCHER, Map.of("JAVA_HOME", jdk, "JAVA", other), "list")))
        .as("JAVA wins over JAVA_HOME").endsWith("-jar", jar, "list");
    Result exit = run(LAUNCHER, Map.of("JAVA", other, "FAKE_EXIT", "42"), "list");
    assertThat(exit.exit()).as("the JVM's exit code is the launcher's").isEqualTo(42);
  }

  @Test
  void exitCodesAndOutputAreTheJarsFromAnyDirectoryAndThroughSymlinks() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path link = Files.createSymbolicLink(bin.resolve("fleet-upgrade"), LAUNCHER.toAbsolutePath());
    Path linkToLink = Files.createSymbolicLink(dir.resolve("fu"), Path.of("bin", "fleet-upgrade"));

    for (Path launcher : List.of(LAUNCHER.toAbsolutePath(), link, linkToLink)) {
      Result v = run(launcher, Map.of(), "-V");
      assertThat(v.exit()).as(v.all()).isZero();
      assertThat(v.out()).as("the version line alone on stdout").isEqualTo(version);
    }
    Result badStages = run("start", "--config", JarProcess.REPO.resolve("config/demo.yaml").toAbsolutePath().toString(),
        "--kubernetes", "v1.31.2", "--stages", ",", "--address", "127.0.0.1:1");
    assertThat(badStages.exit()).as(badStages.all()).isEqualTo(2);
    assertThat(badStages.err()).startsWith("fleet-upgrade: --stages ',': an empty stage name").hasLineCount(1);
    Result none = run();
    assertThat(none.exit()).as("no command is bad input").isEqualTo(2);
    assertThat(none.err()).contains("a command is required", "Commands:", "status");
  }

  @Test
  void theArchiveIsUsedWithTheJarItWasBuiltFrom() {
    Result loaded = run(LAUNCHER, Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "-V");
    assertThat(loaded.exit()).as(loaded.err()).isZero();
    assertThat(loaded.out()).contains("org.fleetupgrade.worker.cli.Main source: shared objects file");
  }

  @Test
  void theArchivesTrainingRanEveryCommandToItsEnd() throws IOException {
    // A training step that fails (its status snapshot no longer reads as a FleetStatus, say) costs
    // the archive that command's classes and a tenth of a second per call, and says so only here.
    Path log = JarProcess.JAR.resolveSibling("fleet-upgrade.classlist.log");
    assertThat(log).isRegularFile();
    assertThat(Files.readString(log)).as(log.toString()).doesNotContain("archive training");
    List<String> classes = Files.readAllLines(JarProcess.JAR.resolveSibling("fleet-upgrade.classlist"));
    assertThat(classes).as("a query answered, an Update completed, status printed")
        .contains("io/temporal/api/workflowservice/v1/QueryWorkflowResponse",
            "io/temporal/api/workflowservice/v1/UpdateWorkflowExecutionResponse",
            "org/fleetupgrade/worker/cli/StatusTable");
  }

  @Test
  void aMissingUnusableOrStaleArchiveNeverBreaksACommand() throws IOException {
    // A copy of the jar with the launcher beside it: to the JVM, a jar built after the archive.
    Path beside = Files.createDirectories(dir.resolve("copy"));
    Files.copy(JarProcess.JAR, beside.resolve("fleet-upgrade.jar"));
    Path launcher = Files.copy(LAUNCHER, beside.resolve("fleet-upgrade"));
    Path archive = beside.resolve("fleet-upgrade.jsa");

    assertRunsFromTheJar(launcher, "no archive");
    Files.write(archive, new byte[] {0x13, 0x37, 0, 1, 2, 3});
    assertRunsFromTheJar(launcher, "a file that is no archive");
    Files.delete(archive);
    Files.copy(ARCHIVE, archive);
    assertRunsFromTheJar(launcher, "the archive of another build of the jar");
  }

  private static void assertRunsFromTheJar(Path launcher, String archive) {
    Result v = run(launcher, Map.of(), "-V");
    assertThat(v.exit()).as(archive + ": " + v.all()).isZero();
    assertThat(v.out()).as(archive + ": the version line alone, no word about the archive").isEqualTo(version);
    assertThat(v.err()).as(archive).isEmpty();
    Result bad = run(launcher, Map.of(), "status", "v1.31.2", "--events", "-1");
    assertThat(bad.exit()).as(archive + ": " + bad.all()).isEqualTo(2);
    assertThat(bad.err()).as(archive).isEqualTo("fleet-upgrade: --events: must be 0 or more (got -1)\n");
    Result loaded = run(launcher, Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "-V");
    assertThat(loaded.out()).as(archive + ": classes come from the jar")
        .contains("org.fleetupgrade.worker.cli.Main source: file:");
  }
}
