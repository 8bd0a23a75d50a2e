package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.worker.cli.JarProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client command loads no adapter: nothing of fabric8, Google Cloud, JGit, MINA SSHD or vert.x,
 * and of the activities module only the values the config is made of. Read from the real jar's
 * class loading (-Xlog:class+load), for what runs without a server: the config loader, and a
 * command's way up to the connection (refused here). The module's classes are those it compiled.
 */
class ClientClassesIT {

  static final List<String> ADAPTER_PACKAGES = List.of("io.fabric8.", "com.google.cloud.", "com.google.api.gax.",
      "com.google.auth.", "org.eclipse.jgit.", "org.apache.sshd.", "io.vertx.", "io.netty.");

  /** What FleetConfig holds from the activities module: settings and values, no I/O. */
  static final Set<String> CONFIG_VALUES = Set.of(
      "org.fleetupgrade.controlplane.script.AdminConfCopy", "org.fleetupgrade.controlplane.script.HostMetadata",
      "org.fleetupgrade.controlplane.script.ReleaseSources", "org.fleetupgrade.controlplane.script.ShellValues",
      "org.fleetupgrade.images.git.RefPolicy", "org.fleetupgrade.reboot.kured.KuredLockSettings",
      "org.fleetupgrade.reboot.trigger.RebootMethod", "org.fleetupgrade.reboot.trigger.SshTriggerSettings",
      "org.fleetupgrade.simulated.SimulatedFault", "org.fleetupgrade.simulated.SimulatedTiming");

  @TempDir
  static Path dir;

  /** The classes the jar's JVM loaded for {@code args}. */
  private static List<String> loaded(int exit, String... args) throws IOException {
    Path log = Files.createTempFile(dir, "classes", ".log");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:class+load=info:file=" + log, "-jar", JarProcess.JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = JarProcess.builder().command(command);
    Result result = JarProcess.run(builder);
    assertThat(result.exit()).as(result.all()).isEqualTo(exit);
    // "[0.123s][info][class,load] some.Class source: ..."
    return Files.readAllLines(log).stream().map(line -> line.split(" ")).filter(f -> f.length > 1)
        .map(f -> f[1]).toList();
  }

  /** Those of {@code classes} that the activities module compiled (its target/classes, built before the worker). */
  private static List<String> fromActivities(List<String> classes) {
    Path compiled = JarProcess.REPO.resolve("activities/target/classes");
    assertThat(compiled.resolve(SimulatedFleet.class.getName().replace('.', '/') + ".class")).isRegularFile();
    return classes.stream().filter(name -> name.startsWith("org.fleetupgrade.") && !name.contains("$$Lambda"))
        .filter(name -> Files.isRegularFile(compiled.resolve(name.replace('.', '/') + ".class"))).toList();
  }

  private static void assertNoAdapters(List<String> classes) {
    assertThat(classes).as("classes loaded").hasSizeGreaterThan(500);
    assertThat(classes).filteredOn(c -> ADAPTER_PACKAGES.stream().anyMatch(c::startsWith)).isEmpty();
  }

  @Test
  void theConfigLoaderLoadsOnlyTheConfigsValuesOfTheActivities() throws IOException {
    List<String> classes = loaded(0, "config", "check", JarProcess.REPO.resolve("config/demo.yaml").toString());
    assertNoAdapters(classes);
    assertThat(fromActivities(classes)).isSubsetOf(CONFIG_VALUES);
  }

  @Test
  void statusLoadsNothingOfTheActivitiesOnItsWayToTheServer() throws IOException {
    List<String> classes = loaded(1, "status", "v1.31.2", "--json", "--address", "127.0.0.1:1");
    assertNoAdapters(classes);
    assertThat(classes).as("it got as far as gRPC").contains("io.grpc.ManagedChannel");
    assertThat(fromActivities(classes)).isEmpty();
  }
}
