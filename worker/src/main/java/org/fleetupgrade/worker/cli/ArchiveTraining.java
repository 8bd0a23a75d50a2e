package org.fleetupgrade.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;
import org.fleetupgrade.worker.config.ConfigLoader;
import picocli.CommandLine;

/**
 * The training run of the class-data-sharing archive (worker/pom.xml, README "A fast CLI"): the
 * package step runs it once under {@code -XX:DumpLoadedClassList} and archives the classes it
 * loaded, and the launcher maps them instead of loading them from the jar on every command. It
 * walks what a client command does, with no network beyond this JVM: `config check` of the
 * bundled demo config, `status` (table and JSON) and an operator command against a frontend in
 * this JVM that answers them ({@link TrainingFrontend}), and `status` against an address where
 * nothing listens. Its output is thrown away; it always exits 0.
 */
public final class ArchiveTraining {

  /** Where nothing listens: the path of a refused connection. */
  private static final String UNREACHABLE = "127.0.0.1:1";
  /** The status the training's frontend answers: recorded from `dev` mid-reboot, its id v0.0.0. */
  static final String STATUS_RESOURCE = "/archive-training-status.json";

  private ArchiveTraining() {}

  public static void main(String[] args) {
    PrintStream out = System.out;
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      step("config check", () -> {
        Path demo = Files.createTempFile("fleet-upgrade-training", ".yaml");
        try (InputStream in = ConfigLoader.class.getResourceAsStream(ConfigLoader.DEMO_RESOURCE)) {
          Files.write(demo, in.readAllBytes());
          run("config", "check", demo.toString());
        } finally {
          Files.deleteIfExists(demo);
        }
      });
      step("client commands", ArchiveTraining::clientCommands);
      step("unreachable", () -> run("status", "v0.0.0", "--json", "--address", UNREACHABLE));
    } finally {
      System.setOut(out);
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  /**
   * A step that fails (a class changed under it, say) costs the archive the classes it did not
   * reach, never the build: it is reported on stderr (target/fleet-upgrade.classlist.log).
   */
  private static void step(String name, Step step) {
    try {
      step.run();
    } catch (Exception | LinkageError e) {
      System.err.println("fleet-upgrade archive training: " + name + " failed, its classes may be missing: " + e);
    }
  }

  /** Runs a command; one that fails (but "unreachable", which must) says why in the training's log. */
  private static void run(String... args) {
    CommandLine cli = Main.cli(args);
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    if (code != Main.OK && !args[args.length - 1].equals(UNREACHABLE)) {
      System.err.println("fleet-upgrade archive training: " + String.join(" ", args) + " exited " + code + ": " + err);
    }
  }


  /**
   * status (table and JSON) and pause, each answered as by a real server with a worker, for an
   * upgrade in its first stage's rolling reboot (a snapshot recorded from `dev`).
   */
  private static void clientCommands() throws Exception {
    DataConverter converter = GlobalDataConverter.get(); // what WorkflowClient uses
    JsonNode status;
    try (InputStream in = ArchiveTraining.class.getResourceAsStream(STATUS_RESOURCE)) {
      status = StatusCommand.json().readTree(in);
    }
    String id = status.path("upgradeId").asText();
    String stage = status.path("currentStage").asText();
    Map<String, Payloads> queries = Map.of(
        id, converter.toPayloads(status).orElseThrow(),
        StageUpgradeWorkflow.workflowId(id, stage) + "/rollout",
        converter.toPayloads(status.findValue("reboot")).orElseThrow());
    try (TrainingFrontend frontend = new TrainingFrontend(id, queries, converter.toPayloads("paused").orElseThrow())) {
      run("status", id, "--json", "--address", frontend.address());
      run("status", id, "--address", frontend.address());
      run("pause", id, "--reason", "training", "--address", frontend.address());
    }
  }
}
