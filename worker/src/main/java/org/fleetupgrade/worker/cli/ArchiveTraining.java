package org.fleetupgrade.worker.cli;

import io.temporal.api.common.v1.Payloads;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.worker.config.ConfigLoader;
import picocli.CommandLine;

/**
 * The training run of the class-data-sharing archive (worker/pom.xml, README "A fast CLI"): the
 * package step runs it once under {@code -XX:DumpLoadedClassList} and archives the classes it
 * loaded, and the launcher maps them instead of loading them from the jar on every command. It
 * walks what a client command does, with no server and no network: `config check` of the bundled
 * demo config, `status --json` against an address where nothing listens (refused after the connect
 * timeout), and the parts it cannot reach that way: the calls status and the operator commands
 * make, each refused at once, and a status snapshot arriving in a query response, printed as JSON.
 * Its output is thrown away; it always exits 0.
 */
public final class ArchiveTraining {

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
      step("status", () -> run("status", "v0.0.0", "--json", "--address", "127.0.0.1:1"));
      step("client calls", ArchiveTraining::client);
      step("status snapshot", ArchiveTraining::snapshot);
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

  private static void run(String... args) {
    CommandLine cli = Main.cli(args);
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(new StringWriter()));
    cli.execute(args);
  }

  /**
   * The client side of what status and the operator commands send (describe, the status query, an
   * update), each failing at once: nothing listens at the address, and the stubs try once.
   */
  private static void client() {
    // Once, and without the 5 s the stubs give the server's capabilities before each call.
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget("127.0.0.1:1").setSystemInfoTimeout(Duration.ofMillis(200))
        .setRpcRetryOptions(RpcRetryOptions.newBuilder().setMaximumAttempts(1).setExpiration(Duration.ofSeconds(1))
            .validateBuildWithDefaults()).build());
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs,
          WorkflowClientOptions.newBuilder().setNamespace("default").build());
      String id = Upgrades.workflowId("v0.0.0");
      List<Runnable> calls = List.of(
          () -> client.newUntypedWorkflowStub(id).describe(),
          () -> Upgrades.stub(client, id).status(),
          () -> Upgrades.stub(client, id).pause("training"));
      for (Runnable call : calls) {
        try {
          call.run();
        } catch (RuntimeException expected) {
          // UNAVAILABLE: connection refused
        }
      }
    } finally {
      stubs.shutdownNow();
    }
  }

  /** A status snapshot (nearly empty) as a query answers it: a JSON payload in a protobuf response. */
  private static void snapshot() throws Exception {
    DataConverter converter = GlobalDataConverter.get(); // what WorkflowClient uses
    Payloads answer = converter.toPayloads(StatusCommand.json().readTree(
        "{\"upgradeId\": \"fleet-upgrade-v0.0.0\", \"stages\": [], \"approvals\": [], \"timeline\": []}")).orElseThrow();
    QueryWorkflowResponse response = QueryWorkflowResponse.parseFrom(
        QueryWorkflowResponse.newBuilder().setQueryResult(answer).build().toByteArray());
    FleetStatus status = converter.fromPayloads(0, Optional.of(response.getQueryResult()), FleetStatus.class,
        FleetStatus.class);
    System.out.println(StatusCommand.json().writeValueAsString(status));
  }
}
