package org.fleetupgrade.worker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real fleet-upgrade.jar as an operator would, in its own JVM. */
public final class JarProcess {

  public static final Path JAR = Path.of(System.getProperty("fleetupgrade.jar", "target/fleet-upgrade.jar"));
  public static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  public record Result(int exit, String out, String err) {
    public String all() {
      return out + err;
    }
  }

  private JarProcess() {}

  public static ProcessBuilder builder(String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile());
    builder.environment().remove("TEMPORAL_ADDRESS");
    builder.environment().remove("TEMPORAL_NAMESPACE");
    return builder;
  }

  public static Result run(String... args) {
    return run(builder(args));
  }

  /** Runs {@code builder}'s command to its end (at most 120 s), its output captured. */
  public static Result run(ProcessBuilder builder) {
    try {
      Path out = Files.createTempFile("fleet-upgrade-out", ".txt");
      Path err = Files.createTempFile("fleet-upgrade-err", ".txt");
      Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", builder.command()) + " did not finish in 120 s");
      }
      Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
      Files.delete(out);
      Files.delete(err);
      return result;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
