package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.fleetupgrade.worker.engine.TemporalConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI inputs of the issue "An operator's bad day", through picocli in process as the jar runs
 * them: bad input is exit 2 and one line naming the thing and why, before anything connects or
 * starts; an unreachable server is exit 1 and one line, with no gRPC noise.
 */
class BadInputCliTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));
  private static final String DEMO = REPO.resolve("config/demo.yaml").toString();
  /** Nothing listens there: a command that got as far as connecting would exit 1, not 2. */
  private static final String NOBODY = "127.0.0.1:1";

  record Result(int code, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  @TempDir
  static Path dir;

  /** A Temporal frontend that knows only the namespace "default" and has no upgrades in it. */
  static FakeFrontend frontend;
  static String frontendAddress;

  @BeforeAll
  static void startFrontend() throws IOException {
    frontend = FakeFrontend.start();
    frontendAddress = frontend.address();
  }

  @AfterAll
  static void stopFrontend() {
    frontend.close();
  }

  /** Runs the command line in process, capturing picocli's writers and System.out (where commands print). */
  private static Result run(String... args) {
    // System.out first: picocli's version help keeps to the System.out of when the command line was made.
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = Main.cli(args);
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      int code = cli.execute(args);
      return new Result(code, out + printed.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(stdout);
    }
  }

  private static void assertBadInput(Result r, String line) {
    assertThat(r.code()).as(r.err()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.errLines()).containsExactly("fleet-upgrade: " + line);
  }

  @Test
  void anEmptyOrUnknownStageNameIsRefusedNeverAllStages() {
    String stages = "stages in " + DEMO + " are sandbox, staging, production";
    // When --stages names no stage, an empty one, an unknown one, or one twice
    // Then exit 2 and one line, before anything connects (NOBODY would be exit 1)
    for (String command : List.of("start", "review")) {
      assertBadInput(run(command, "--config", DEMO, "--kubernetes", "v1.31.2", "--address", NOBODY, "--stages", ","),
          "--stages ',': an empty stage name; " + stages);
      assertBadInput(run(command, "--config", DEMO, "--kubernetes", "v1.31.2", "--address", NOBODY, "--stages", ""),
          "--stages '': an empty stage name; " + stages);
      assertBadInput(run(command, "--config", DEMO, "--kubernetes", "v1.31.2", "--address", NOBODY,
          "--stages", "sandbox,,production"), "--stages 'sandbox,,production': an empty stage name; " + stages);
      assertBadInput(run(command, "--config", DEMO, "--kubernetes", "v1.31.2", "--address", NOBODY,
          "--stages", "sandbox,prod"), "unknown stage 'prod': " + stages);
      assertBadInput(run(command, "--config", DEMO, "--kubernetes", "v1.31.2", "--address", NOBODY,
          "--stages", "sandbox,sandbox"), "--stages: stage 'sandbox' is named twice");
    }
    // And named stages (also as repeated options) pass on to the server (which cannot run a review)
    Result named = run("start", "--config", DEMO, "--kubernetes", "v1.31.2", "--address", frontendAddress,
        "--stages", "sandbox", "--stages", "staging");
    assertThat(named.code()).as(named.err()).isEqualTo(Main.FAILED);
    assertThat(named.err()).doesNotContain("stage");
  }

  @Test
  void theDemoRefusesWhatARealFleetWouldRefuse() {
    // When the demo is asked for targets the real changelog review refuses
    // Then exit 2 and one line, before any upgrade starts
    assertBadInput(run("demo", "--kubernetes", "v1.33.0"), "upgrade to v1.33.0 rejected, nothing started: v1.33.0 is newer"
        + " than the latest stable release v1.32.4 (the simulated stable.txt: simulation.latestStable): pass"
        + " --allow-prerelease to upgrade to it anyway");
    assertBadInput(run("demo", "--kubernetes", "v1.31.3-rc.0"), "upgrade to v1.31.3-rc.0 rejected, nothing started:"
        + " v1.31.3-rc.0 is a pre-release: pass --allow-prerelease to upgrade to it anyway");
    assertBadInput(run("demo", "--kubernetes", "v1.32.0"), "upgrade to v1.32.0 rejected, nothing started: v1.30.5 ->"
        + " v1.32.0 skips minor 1.31: kubeadm upgrades one minor at a time; upgrade to the latest 1.31.x first");
  }

  @Test
  void scheduleCommandsNeedAServerWithSchedulesAndCreateNeedsItsConfig() {
    // When a schedule command talks to a server without Schedules (the test server behind `dev`)
    Result describe = run("schedule", "describe", "--address", frontendAddress);
    // Then exit 1, one line saying so and what happens instead
    assertThat(describe.code()).as(describe.err()).isEqualTo(Main.FAILED);
    assertThat(describe.errLines()).containsExactly("fleet-upgrade: " + ScheduleCommand.noSchedules(frontendAddress));
    // And create without the config that says when is bad input, before connecting
    assertBadInput(run("schedule", "create", "--address", NOBODY),
        "schedule create: --config FILE is required (its `schedule` section says when)");
    assertBadInput(run("schedule", "create", "--config", DEMO, "--address", NOBODY), DEMO
        + ": has no `schedule` section (e.g. schedule: {day: tuesday, time: \"15:00\", timeZone: America/New_York})");
  }

  @Test
  void listFiltersAreCheckedBeforeTheyReachAQuery() {
    assertBadInput(run("list", "--state", "sometimes", "--address", NOBODY), "--state: 'sometimes' is not a state:"
        + " REVIEWING, RUNNING, BLOCKED, GATE, PAUSED, COMPLETED, ABORTED, TERMINATED, FAILED, TIMED_OUT, CANCELED");
    assertBadInput(run("list", "--stage", "x' OR 1=1", "--address", NOBODY),
        "--stage: 'x' OR 1=1' is not a stage name (lower-case letters, digits, '-')");
    assertBadInput(run("list", "--kubernetes", "1.31", "--address", NOBODY), "--kubernetes: '1.31' is not a release version:"
        + " expected vMAJOR.MINOR.PATCH, e.g. v1.31.2");
    assertBadInput(run("list", "--limit", "0", "--address", NOBODY), "--limit: must be from 1 to 10000 (got 0)");
    // And on a server without visibility queries, the listing falls back to the open and closed lists
    Result fallback = run("list", "--state", "completed", "--address", frontendAddress);
    assertThat(fallback.code()).as(fallback.err()).isEqualTo(Main.OK);
    assertThat(fallback.out()).startsWith("no fleet upgrades match (WorkflowType = 'FleetUpgradeWorkflow' AND"
        + " FleetUpgradeState = 'COMPLETED') in namespace default");
  }

  @Test
  void negativeEventsAreRefusedAndZeroMeansNone() {
    // When status is asked for -5 events, Then exit 2 and one line
    assertBadInput(run("status", "v1.31.2", "--events", "-5", "--address", NOBODY), "--events: must be 0 or more (got -5)");
    // And 0 (no events) is accepted: the command goes on to the server (which has no such upgrade)
    Result none = run("status", "v1.31.2", "--events", "0", "--address", frontendAddress);
    assertThat(none.err()).doesNotContain("--events");
    assertThat(none.code()).as(none.err()).isNotEqualTo(Main.OK);
  }

  @Test
  void aWatchIntervalOutsideOneSecondToOneHourIsRefusedBeforeConnecting() {
    // When --watch is asked to refresh every 500ms, every 2 hours, or at no duration, Then exit 2 and one line
    assertBadInput(run("status", "v1.31.2", "--watch", "--interval", "500ms", "--address", NOBODY),
        "--interval: must be from 1s to 1h (got 500ms)");
    assertBadInput(run("status", "v1.31.2", "--watch", "--interval", "2h", "--address", NOBODY),
        "--interval: must be from 1s to 1h (got 2h)");
    assertBadInput(run("status", "v1.31.2", "--watch", "--interval", "soon", "--address", NOBODY),
        "--interval: 'soon' is not a duration (e.g. 5s, 2m, 1h)");
    // And the bounds themselves are accepted: the command goes on to the server (exit 1: nobody there)
    assertThat(run("status", "v1.31.2", "--interval", "1s", "--address", NOBODY).code()).isEqualTo(Main.FAILED);
    assertThat(run("status", "v1.31.2", "--interval", "1h", "--address", NOBODY).code()).isEqualTo(Main.FAILED);
  }

  @Test
  void noCommandPrintsTheUsageAndExits2() {
    // When the CLI is run without a command (it used to exit 0)
    Result none = run();
    Result config = run("config");

    // Then exit 2, a line saying so, then the usage, on stderr
    assertThat(none.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(none.errLines().get(0)).isEqualTo("fleet-upgrade: a command is required");
    assertThat(none.err()).contains("Usage: fleet-upgrade", "start", "status", "Exit codes:");
    assertThat(config.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(config.errLines().get(0)).isEqualTo("fleet-upgrade: config: a command is required");
    assertThat(config.err()).contains("Usage: fleet-upgrade config", "check");
  }

  @Test
  void anAddressWithoutAPortIsBadInputNotConnectionRefused() {
    String why = "is not HOST:PORT (e.g. localhost:7233 or temporal.example.org:7233): give the port";
    assertBadInput(run("list", "--address", "localhost"), "--address (or TEMPORAL_ADDRESS): 'localhost' " + why);
    assertBadInput(run("status", "v1.31.2", "--address", "localhost:99999"),
        "--address (or TEMPORAL_ADDRESS): 'localhost:99999' " + why);
    assertBadInput(run("start", "--config", DEMO, "--kubernetes", "v1.31.2", "--address", "temporal.example.org:"),
        "--address (or TEMPORAL_ADDRESS): 'temporal.example.org:' " + why);
    assertThat(TemporalConnection.checkAddress("--address", "[::1]:7233")).isEqualTo("[::1]:7233");
  }

  @Test
  void aMetricsPortOutOfRangeOrInUseIsBadInputBeforeAnythingConnects() throws IOException {
    // NOBODY listens at the address: a worker that got as far as connecting would exit 1, not 2
    assertBadInput(run("worker", "--config", DEMO, "--address", NOBODY, "--metrics-port", "70000"),
        "--metrics-port must be a port from 1 to 65535, or 0 for none (got 70000)");
    assertBadInput(run("dev", "--port", "1", "--metrics-port", "-1"),
        "--metrics-port must be a port from 1 to 65535, or 0 for none (got -1)");
    assertBadInput(run("worker", "--config", DEMO, "--address", NOBODY, "--metrics-interval", "0s"),
        "--metrics-interval: must be more than zero");
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
      Result inUse = run("worker", "--config", DEMO, "--address", NOBODY, "--metrics-port",
          String.valueOf(taken.getLocalPort()));
      assertThat(inUse.code()).as(inUse.err()).isEqualTo(Main.BAD_INPUT);
      assertThat(inUse.errLines()).hasSize(1);
      assertThat(inUse.errLines().get(0)).startsWith("fleet-upgrade: --metrics-port: cannot serve metrics on port "
          + taken.getLocalPort()).endsWith("choose another port, or 0 for none");
    }
  }

  @Test
  void anUnknownNamespaceIsBadInputNamingItAndTheAddress() {
    // When list asks a server for a namespace it does not have (it used to list "default" silently)
    Result unknown = run("list", "--address", frontendAddress, "--namespace", "prod-typo");

    // Then exit 2 and one line naming the namespace and the address
    assertBadInput(unknown, "namespace 'prod-typo' does not exist at " + frontendAddress
        + " (set --namespace or TEMPORAL_NAMESPACE)");
    // And the namespace the server has lists as before
    Result known = run("list", "--address", frontendAddress, "--namespace", "default");
    assertThat(known.code()).as(known.err()).isEqualTo(Main.OK);
    assertThat(known.out()).contains("no fleet upgrades in namespace default");
    assertBadInput(run("list", "--address", frontendAddress, "--namespace", "a b"),
        "--namespace: 'a b' is not a Temporal namespace name");
  }

  @Test
  void anUnreachableServerIsOneLineExit1WithoutGrpcNoise() {
    // Given a handler on gRPC's java.util.logging loggers (where its name-resolution warnings went)
    List<LogRecord> grpcLogged = new ArrayList<>();
    Handler recorder = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          grpcLogged.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger grpc = Logger.getLogger("io.grpc");
    grpc.addHandler(recorder);
    try {
      // When the host does not exist, and when nothing listens on the port
      long start = System.nanoTime();
      Result unknownHost = run("list", "--address", "nosuchhost.invalid:7233");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      Result refused = run("list", "--address", NOBODY);

      // Then exit 1 (not bad input: the server is unreachable) and one line each, fast
      assertThat(unknownHost.code()).isEqualTo(Main.FAILED);
      assertThat(unknownHost.errLines()).containsExactly("fleet-upgrade: cannot reach Temporal at nosuchhost.invalid:7233:"
          + " unknown host nosuchhost.invalid (is the server running? set --address or TEMPORAL_ADDRESS)");
      assertThat(refused.code()).isEqualTo(Main.FAILED);
      assertThat(refused.errLines()).containsExactly("fleet-upgrade: cannot reach Temporal at 127.0.0.1:1:"
          + " connection refused (is the server running? set --address or TEMPORAL_ADDRESS)");
      assertThat(took).as("the connect deadline, not gRPC's backoff").isLessThan(TemporalConnection.CONNECT_TIMEOUT.plusSeconds(3));
      // And no gRPC warning reached any handler
      assertThat(grpcLogged).extracting(LogRecord::getMessage).isEmpty();
    } finally {
      grpc.removeHandler(recorder);
    }
  }

  @Test
  void anUnusableConfigFileIsOneLineNamingItAndWhy() throws IOException {
    // Given a binary file and a directory given as the config
    Path binary = Files.write(dir.resolve("fleet.yaml.gz"), new byte[] {(byte) 0x1f, (byte) 0x8b, 8, 0});

    // Then exit 2 and one line each, naming the file and the reason
    assertBadInput(run("config", "check", binary.toString()),
        "invalid config: " + binary + ": not UTF-8 text (byte 0x8b at offset 1)");
    assertBadInput(run("start", "--config", dir.toString(), "--kubernetes", "v1.31.2"),
        "invalid config: " + dir + ": is a directory, not a file");
  }

  @Test
  void configCheckPrintsEveryFieldWithItsDefault() {
    Result check = run("config", "check", DEMO);
    assertThat(check.code()).as(check.err()).isEqualTo(Main.OK);
    assertThat(check.out()).contains(DEMO + ": ok", "# effective config: every field, defaults filled in",
        "  ssh:\n    user: fleet-upgrade\n    privateKeyPath: null", "    kured:\n      enabled: true");
  }

  @Test
  void somethingElseAtTheAddressOrAServerErrorIsOneLine() throws IOException {
    // Given a plain HTTP/1.1 server where Temporal was meant (a web UI's port, say): it answers
    // whatever it is sent with a 400, as web servers do to a gRPC or TLS greeting
    try (java.net.ServerSocket web = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread answering = new Thread(() -> {
        while (!web.isClosed()) {
          try (java.net.Socket client = web.accept()) {
            client.getInputStream().read(new byte[512]);
            client.getOutputStream().write(("HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 22\r\n"
                + "Connection: close\r\n\r\n<html>bad request</html>").getBytes(StandardCharsets.US_ASCII));
          } catch (IOException closed) {
            // the test is over, or the client went away
          }
        }
      }, "http-1.1-stand-in");
      answering.setDaemon(true);
      answering.start();
      String address = "127.0.0.1:" + web.getLocalPort();

      // When a command connects, in plain text and with --tls
      Result plain = run("list", "--address", address);
      Result tls = run("list", "--address", address, "--tls");

      // Then each says what answers there, in one line, exit 1
      assertThat(plain.code()).isEqualTo(Main.FAILED);
      assertThat(plain.errLines()).singleElement().asString().startsWith("fleet-upgrade: cannot reach Temporal at " + address
          + ": something else answers there (not HTTP/2: ").endsWith(") (set --address or TEMPORAL_ADDRESS)");
      assertThat(tls.code()).isEqualTo(Main.FAILED);
      assertThat(tls.errLines()).containsExactly("fleet-upgrade: cannot reach Temporal at " + address
          + ": no TLS there (the answer is not a TLS record): drop --tls, or check the port");
    }

    // And a server that refuses to describe an upgrade (a credential without the right) is one line too
    frontend.deniesDescribe("fleet-upgrade-v1.29.9");
    Result denied = run("status", "v1.29.9", "--address", frontendAddress);
    assertThat(denied.code()).isEqualTo(Main.FAILED);
    assertThat(denied.errLines()).singleElement().asString()
        .startsWith("fleet-upgrade: cannot describe fleet-upgrade-v1.29.9: ").contains("PERMISSION_DENIED");
  }

  @Test
  void versionIsPrinted() {
    // When -V or --version is given (from classes: no jar manifest, so "dev")
    Result version = run("--version");

    // Then the version, exit 0
    assertThat(version.code()).isEqualTo(Main.OK);
    assertThat(version.out().strip()).isEqualTo("fleet-upgrade dev");
    assertThat(run("-V").out().strip()).isEqualTo("fleet-upgrade dev");
    // And after any command too (`start -V` printed nothing), nested ones included
    for (String[] args : List.of(new String[] {"start", "-V"}, new String[] {"status", "--version"},
        new String[] {"config", "check", "-V"})) {
      Result after = run(args);
      assertThat(after.code()).as(String.join(" ", args)).isEqualTo(Main.OK);
      assertThat(after.out().strip()).as(String.join(" ", args)).isEqualTo("fleet-upgrade dev");
    }
  }
}
