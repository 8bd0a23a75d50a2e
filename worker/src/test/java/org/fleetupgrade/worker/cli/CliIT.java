package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.fleetupgrade.worker.cli.JarProcess.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar against a real `dev` process: bad input exits 2 with a clear message and starts
 * nothing; then start, status, approve and the rest drive an upgrade to completion.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "fleet-upgrade-v1.31.2";

  @TempDir
  static Path dir;

  static HttpServer releases;
  static DevProcess dev;
  static Path config;
  static String address;

  @BeforeAll
  static void startDevServer() throws Exception {
    int port = DevProcess.freePort();
    address = "localhost:" + port;
    String changelogBase = serveReleases();
    config = dir.resolve("fleet.yaml");
    // A small simulated fleet with no soaks, so the whole flow runs in seconds of real time; the
    // changelog is real, read over HTTP from a local server.
    Files.writeString(config, """
        temporal: {address: "%s"}
        changelog: {changelogBaseUrl: "%s/CHANGELOG/", releaseBaseUrl: "%s/release/", timeout: 5s}
        versions: {cni: v1.6.2, crictl: v1.31.1}
        reboot: {firstLook: 1s}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c], promotion: auto,
             simulated: {currentVersion: v1.30.5, sites: 2, nodesPerSite: 2, virtualNodes: 1}}
          - {name: staging, project: mlab-staging, region: us-central1, zones: [a, b, c], promotion: approval,
             simulated: {currentVersion: v1.30.5, sites: 3, nodesPerSite: 2, virtualNodes: 1}}
          - {name: production, project: mlab-oti, region: us-east1, zones: [b, c, d],
             simulated: {currentVersion: v1.30.5, sites: 4, nodesPerSite: 4, virtualNodes: 1}}
        simulation: {timing: {}}
        """.formatted(address, changelogBase, changelogBase));
    dev = DevProcess.start(port, config, dir.resolve("dev.out"));
    // What dev says to try names its own config and address, so it works as printed
    dev.awaitOutput("then: ", Duration.ofSeconds(10));
    assertThat(dev.output()).contains("try: fleet-upgrade start --config " + config
        + " --kubernetes v1.31.2 --address " + address, "then: fleet-upgrade status v1.31.2 --watch --address " + address);
  }

  /** The changelog and release channels, in their real formats, on a local HTTP server. */
  static String serveReleases() throws IOException {
    Map<String, String> files = Map.of(
        "/CHANGELOG/CHANGELOG-1.31.md", Files.readString(
            JarProcess.REPO.resolve("activities/src/test/resources/changelog/CHANGELOG-1.31.md")),
        "/release/stable.txt", "v1.32.4\n",
        "/release/stable-1.31.txt", "v1.31.3\n");
    releases = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    releases.createContext("/", exchange -> {
      String body = files.get(exchange.getRequestURI().getPath());
      byte[] bytes = (body == null ? "not found" : body).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
      try (var out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    releases.start();
    return "http://127.0.0.1:" + releases.getAddress().getPort();
  }

  @AfterAll
  static void stopDevServer() throws Exception {
    if (releases != null) {
      releases.stop(0);
    }
    if (dev != null) {
      try {
        assertThat(dev.stop()).as("dev stops on SIGTERM").isTrue();
        assertThat(dev.output()).contains("stopped");
        assertThat(dev.exitValue()).as("a clean stop on SIGTERM is exit 0, not 143").isZero();
      } finally {
        dev.close();
      }
    }
  }

  private static Result cli(String... args) {
    return JarProcess.run(args);
  }

  private static Result start(String... extra) {
    String[] base = {"start", "--config", config.toString(), "--address", address};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return cli(all);
  }

  private static void assertBadInput(Result result, String message) {
    assertThat(result.exit()).as(result.all()).isEqualTo(2);
    assertThat(result.err()).contains(message);
    assertThat(result.err()).doesNotContain("\tat ");
  }

  private static JsonNode status() throws IOException {
    Result result = cli("status", ID, "--json", "--address", address);
    assertThat(result.exit()).as(result.all()).isZero();
    return JSON.readTree(result.out());
  }

  private static JsonNode awaitStatus(Predicate<JsonNode> condition) throws Exception {
    return await("status to match", Duration.ofSeconds(90), CliIT::status, condition);
  }

  @Test
  @Order(1)
  void helpAndConfigCheck() {
    Result help = cli("--help");
    assertThat(help.exit()).isZero();
    Result version = cli("--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out().strip()).matches("fleet-upgrade \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    assertThat(cli().exit()).as("no command is bad input").isEqualTo(2);
    assertThat(help.out()).contains("demo", "dev", "worker", "start", "status", "approve", "abort", "Exit codes");

    Result fleet = cli("config", "check", "config/fleet.yaml");
    assertThat(fleet.exit()).as(fleet.all()).isZero();
    assertThat(fleet.out()).contains("config/fleet.yaml: ok", "production: project mlab-oti, us-east1 zones [b, c, d]",
        "then soak 7d and promote window at Tue 15:00 UTC for 4h to production");
    assertThat(cli("config", "check", "config/demo.yaml").exit()).isZero();
  }

  @Test
  @Order(2)
  void aBadConfigListsEveryErrorWithFileFieldAndReason() throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        stages:
          - name: sandbox
            project: mlab-sandbox
            region: us-west2
            zones: [a]
            soak: -1d
            colour: blue
        """);
    Result check = cli("config", "check", bad.toString());
    assertBadInput(check, bad + ": stages[0].soak: must not be negative (got -1d)");
    assertThat(check.err()).contains(bad + ": stages[0].colour: unknown field (known: ");

    assertBadInput(cli("config", "check", "no/such.yaml"), "no/such.yaml: no such file");
    assertBadInput(cli("config", "check", dir.toString()), "invalid config: " + dir + ": is a directory, not a file");
    assertBadInput(cli("start", "--config", bad.toString(), "--kubernetes", "v1.31.2", "--address", address),
        "stages[0].colour: unknown field");
    assertBadInput(cli("start", "--config", "no/such.yaml", "--kubernetes", "v1.31.2", "--address", address),
        "no such file");
  }

  @Test
  @Order(3)
  void badVersionsAndStagesAreRejectedBeforeAnythingStarts() {
    assertBadInput(start("--kubernetes", "1.31"), "'1.31' is not a release version: expected vMAJOR.MINOR.PATCH");
    assertBadInput(start("--kubernetes", "v1.31.2", "--cni", "v1.6"), "cni version: 'v1.6' is not a release version");
    assertBadInput(start("--kubernetes", "v1.31.2", "--stages", "sandbox,prod"),
        "unknown stage 'prod': stages in " + config + " are sandbox, staging, production");
    assertBadInput(start("--kubernetes", "v1.32.1"), "skips minor 1.31: kubeadm upgrades one minor at a time;"
        + " upgrade to the latest 1.31.x first; the path is v1.30.5 -> v1.31.3 -> v1.32.1, one upgrade per step");
    assertBadInput(start("--kubernetes", "v1.33.0"), "v1.33.0 is newer than the latest stable release v1.32.4 (stable.txt):"
        + " pass --allow-prerelease");
    assertBadInput(start("--kubernetes", "v1.29.9"), "v1.29.9 is older than the running v1.30.5: kubeadm does not downgrade");
  }

  @Test
  @Order(4)
  void anUnreachableServerIsOneLineNotAStackTrace() {
    // Exit 1: the input may be right and the server down (exit 2 is for input that cannot be used).
    for (Result result : java.util.List.of(
        cli("start", "--config", config.toString(), "--kubernetes", "v1.31.2", "--address", "127.0.0.1:1"),
        cli("status", ID, "--address", "127.0.0.1:1"), cli("list", "--address", "nosuchhost.invalid:7233"))) {
      assertThat(result.exit()).as(result.all()).isEqualTo(1);
      assertThat(result.err()).startsWith("fleet-upgrade: cannot reach Temporal at ");
      assertThat(result.err().lines()).as("one line, no gRPC warnings").hasSize(1);
    }
    assertBadInput(cli("list", "--address", "localhost"), "--address (or TEMPORAL_ADDRESS): 'localhost' is not HOST:PORT");
  }

  @Test
  @Order(5)
  void aWorkerForRealStagesNamesWhatItCannotReadAndASimulatedOneRunsUntilSigterm() throws Exception {
    // config/fleet.yaml's stages are real: without the SSH files on this machine the worker does not start.
    assertBadInput(cli("worker", "--config", "config/fleet.yaml", "--address", address),
        "config/fleet.yaml: controlPlane.ssh: known_hosts file /etc/fleet-upgrade/ssh/known_hosts is not readable");

    Path out = dir.resolve("worker.out");
    int metricsPort;
    try (ServerSocket free = new ServerSocket(0)) {
      metricsPort = free.getLocalPort();
    }
    Process worker = JarProcess.builder("worker", "--config", config.toString(), "--address", address,
            "--metrics-port", String.valueOf(metricsPort), "--metrics-interval", "1s")
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Files.readString(out).contains("worker on " + address) && System.nanoTime() < deadline && worker.isAlive()) {
        worker.waitFor(200, TimeUnit.MILLISECONDS);
      }
      assertThat(Files.readString(out)).contains("worker on " + address + ", namespace default, task queue fleet-upgrade"
          + ", metrics on :" + metricsPort + "/metrics");
      // --metrics-port serves Prometheus' text format: the SDK's metrics (the worker polls) and the gauges' reads
      java.net.http.HttpResponse<String> scraped = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(scraped.statusCode()).isEqualTo(200);
      assertThat(scraped.body()).contains("# TYPE fleet_upgrade_status_last_read_timestamp_seconds gauge",
          "jvm_memory_used_bytes{");
      worker.destroy();
      assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(out)).contains("stopped");
      assertThat(worker.exitValue()).as("a clean stop on SIGTERM is exit 0, not 143").isZero();
    } finally {
      worker.destroyForcibly();
    }
  }

  @Test
  @Order(6)
  void nothingWasStartedByBadInput() {
    Result list = cli("list", "--address", address);
    assertThat(list.exit()).as(list.all()).isZero();
    assertThat(list.out()).contains("no fleet upgrades");
    assertBadInput(cli("status", ID, "--address", address), "no upgrade with id '" + ID + "'");
  }

  @Test
  @Order(7)
  void reviewPrintsWhatMustBeReadAndStartsNothing() throws IOException {
    Result review = cli("review", "--config", config.toString(), "--kubernetes", "v1.31.2", "--address", address);
    assertThat(review.exit()).as(review.all()).isZero();
    assertThat(review.out()).contains("sandbox      v1.30.5", "path: v1.30.5 -> v1.31.2   (latest stable v1.32.4)",
        "URGENT UPGRADE NOTES", "[v1.31.0] - Kubelet flag `--keep-terminated-pod-volumes` was removed.",
        "      Action required for custom scheduler plugin developers:", "Deprecations:", "Security:",
        "[v1.31.2] - CVE-2024-9486", "kubeadm:", "the upgrade will wait for `fleet-upgrade acknowledge`");
    Result json = cli("review", "--config", config.toString(), "--kubernetes", "v1.31.2", "--json", "--address", address);
    assertThat(JSON.readTree(json.out()).path("review").path("urgentNotes").size()).isEqualTo(3);

    Result dry = start("--kubernetes", "v1.31.2", "--dry-run");
    assertThat(dry.exit()).as(dry.all()).isZero();
    assertThat(dry.out()).contains("sandbox", "path: v1.30.5 -> v1.31.2", "--dry-run: nothing started");
    assertThat(start("--kubernetes", "v1.31.2", "--allow-downgrade", "--dry-run").out())
        .contains("plan: kubernetes v1.31.2, cni v1.6.2, crictl v1.31.1 (downgrades of cni and crictl allowed)");
    assertThat(cli("list", "--address", address).out()).contains("no fleet upgrades");
  }

  @Test
  @Order(8)
  void startStatusApproveRunAnUpgradeToCompletion() throws Exception {
    Result started = start("--kubernetes", "v1.31.2");
    assertThat(started.exit()).as(started.all()).isZero();
    assertThat(started.out()).contains("started " + ID, "  fleet-upgrade status " + ID + " --watch --address " + address);

    Result again = start("--kubernetes", "v1.31.2");
    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(again.out()).contains(ID + " is already running");

    JsonNode review = awaitStatus(s -> s.path("gate").path("phase").asText().equals("WAITING_ACKNOWLEDGEMENT"));
    assertThat(review.path("stages").get(0).path("state").asText()).as("nothing touched").isEqualTo("PENDING");
    Result shown = cli("status", ID, "--address", address);
    assertThat(shown.out()).contains("changelog -> sandbox  WAITING_ACKNOWLEDGEMENT",
        "urgent [v1.31.0] Kubelet flag `--keep-terminated-pod-volumes` was removed.");
    assertThat(cli("acknowledge", ID, "--address", address).exit()).as("--reason is required").isEqualTo(2);
    Result acknowledged = cli("acknowledge", ID, "--reason", "read the 1.31 notes", "--address", address);
    assertThat(acknowledged.exit()).as(acknowledged.all()).isZero();
    assertThat(acknowledged.out()).contains("acknowledged: the upgrade goes on with sandbox");
    assertBadInput(cli("acknowledge", ID, "--reason", "again", "--address", address), "rejected: nothing to acknowledge");

    JsonNode waiting = awaitStatus(s -> s.path("gate").path("phase").asText().equals("WAITING_APPROVAL"));
    assertThat(waiting.path("gate").path("stage").asText()).isEqualTo("staging");
    assertThat(waiting.path("stages").get(0).path("state").asText()).isEqualTo("DONE");

    Result table = cli("status", "v1.31.2", "--address", address);
    assertThat(table.exit()).isZero();
    assertThat(table.out()).contains("state: GATE (staging)", "staging -> production  WAITING_APPROVAL",
        "[####################] 8/8 100%",
        "approve with: fleet-upgrade approve " + ID + " staging --reason \"...\" --address " + address);
    assertThat(waiting.path("pendingActivities").isArray()).as("--json says what Temporal runs now").isTrue();

    assertBadInput(cli("approve", ID, "production", "--reason", "too early", "--address", address),
        "rejected: production is not at a promotion gate");
    assertBadInput(cli("resume", ID, "--address", address), "rejected: not paused");
    assertThat(cli("approve", ID, "staging", "--address", address).exit()).as("--reason is required").isEqualTo(2);

    Result approved = cli("approve", ID, "staging", "--reason", "staging quiet", "--address", address);
    assertThat(approved.exit()).as(approved.all()).isZero();
    assertThat(approved.out()).contains("approved: staging will be promoted to production");

    JsonNode done = awaitStatus(s -> s.path("state").asText().equals("COMPLETED"));
    assertThat(done.path("stages").findValuesAsText("state")).containsOnly("DONE");

    Result list = cli("list", "--address", address);
    assertThat(list.out()).containsPattern(ID + " +COMPLETED +- ");
    Result watch = cli("status", ID, "--watch", "--address", address);
    assertThat(watch.exit()).as("--watch returns once the upgrade is done").isZero();
    assertThat(watch.out()).contains("state: COMPLETED").as("piped: appended, no terminal codes").doesNotContain("\u001b");
    assertThat(done.path("pendingActivities")).as("a finished upgrade runs nothing").isEmpty();
    assertBadInput(cli("abort", ID, "--reason", "too late", "--address", address), "is not running");
  }

  @Test
  @Order(9)
  void demoRunsTheWholeCadenceAndExitsZero() {
    Result demo = cli("demo");
    assertThat(demo.exit()).as(demo.all()).isZero();
    assertThat(demo.out())
        .contains("gate staging -> production: SOAKING", "WAITING_APPROVAL", "$ fleet-upgrade approve")
        .contains("simulated fault at upgrade on api-platform-cluster-us-central1-b: ssh: connection reset by peer")
        .contains("rolling reboot: 600 platform nodes", "upgrade to v1.31.2 completed")
        .contains("production   DONE", "606/606 100%", "injected faults fired: 2");
  }
}
