package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Operator commands with no worker polling: they fail at once in one line, naming the queue, the
 * address and the namespace, and send nothing that a worker coming back would apply later.
 * Against a fake frontend, as a real server answers: the test server behind {@code dev} does not
 * describe task queues (it runs its own worker anyway).
 */
class NoWorkerCliTest {

  static FakeFrontend frontend;
  static String address;

  @BeforeAll
  static void startFrontend() throws IOException {
    frontend = FakeFrontend.start().describesTaskQueues().running("fleet-upgrade-v1.31.2", "fleet-upgrade-sre");
    address = frontend.address();
  }

  @AfterAll
  static void stopFrontend() {
    frontend.close();
  }

  @BeforeEach
  void noWorker() {
    frontend.reset();
  }

  record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = Main.cli(args);
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err, true));
      return new Result(cli.execute(args), printed.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(stdout);
    }
  }

  @Test
  void anOperatorCommandWithNoWorkerFailsInOneLineAndSendsNothing() {
    // Given an upgrade whose task queue no worker polls
    // When an operator pauses it, or asks its status
    Result pause = run("pause", "v1.31.2", "--reason", "checking a site", "--address", address);
    Result status = run("status", "v1.31.2", "--address", address);

    // Then each fails at once, exit 1, in one line saying which queue, where, and what to do; no
    // Update was sent (it would be applied when a worker comes back, behind the operator's back)
    for (Result r : List.of(pause, status)) {
      assertThat(r.code()).as(r.err()).isEqualTo(1);
      assertThat(r.err().lines().toList()).containsExactly("fleet-upgrade: no worker polls task queue 'fleet-upgrade-sre'"
          + " at " + address + " (namespace default, asked for 3s): nothing was sent; start one (`fleet-upgrade worker --config"
          + " FILE`, or `fleet-upgrade dev`) and run the command again");
    }
    assertThat(frontend.updates()).isEmpty();
  }

  @Test
  void withAWorkerPollingTheCommandGoesOn() {
    frontend.workerPolls("fleet-upgrade-sre", 1);

    Result pause = run("pause", "v1.31.2", "--reason", "checking a site", "--address", address);

    assertThat(frontend.updates()).as(pause.err()).containsExactly("pause");
  }

  @Test
  void aWorkerWhoseFirstPollIsOnItsWayIsWaitedFor() {
    // Given a worker started a moment ago: the server lists it from the third time it is asked
    frontend.workerPolls("fleet-upgrade-sre", 3);

    // When the operator pauses the upgrade
    Result pause = run("pause", "v1.31.2", "--reason", "checking a site", "--address", address);

    // Then the command is sent, not refused for want of a worker
    assertThat(frontend.updates()).as(pause.err()).containsExactly("pause");
    assertThat(frontend.describes()).isEqualTo(3);
  }
}
