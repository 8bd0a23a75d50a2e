package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import org.fleetupgrade.worker.cli.JarProcess.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's recovery, with the real jar against `dev`: an upgrade aborted with production
 * half-done is seen half-done by `review`, and `start` finishes it in a new run that skips what is
 * done; `start` with other options while it runs says how they differ.
 */
class RecoveryCliIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "fleet-upgrade-v1.31.2";

  @TempDir
  static Path dir;

  static DevProcess dev;
  static Path config;
  static String address;

  @BeforeAll
  static void startDevServer() throws Exception {
    int port = DevProcess.freePort();
    address = "localhost:" + port;
    config = dir.resolve("fleet.yaml");
    // Production's first node reboot fails for good, once: the rollout's canary fails and the stage
    // blocks with its control plane upgraded and its platform nodes behind.
    Files.writeString(config, """
        temporal: {address: "%s"}
        versions: {cni: v1.6.2, crictl: v1.31.1}
        reboot: {firstLook: 1s}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c], promotion: approval,
             simulated: {currentVersion: v1.30.5, sites: 2, nodesPerSite: 1, virtualNodes: 1}}
          - {name: production, project: mlab-oti, region: us-east1, zones: [b, c, d],
             simulated: {currentVersion: v1.30.5, sites: 3, nodesPerSite: 2, virtualNodes: 1}}
        simulation:
          timing: {}
          faults:
            - {step: reboot, stage: production, times: 1, error: "BMC unreachable", retryable: false}
        """.formatted(address));
    dev = DevProcess.start(port, config, dir.resolve("dev.out"));
  }

  @AfterAll
  static void stopDevServer() throws Exception {
    if (dev != null) {
      try {
        assertThat(dev.stop()).isTrue();
      } finally {
        dev.close();
      }
    }
  }

  private static Result cli(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--address";
    all[args.length + 1] = address;
    return JarProcess.run(all);
  }

  private static Result start(String... extra) {
    String[] base = {"start", "--config", config.toString(), "--kubernetes", "v1.31.2"};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return cli(all);
  }

  private static JsonNode awaitStatus(Predicate<JsonNode> condition) throws InterruptedException {
    return await("status to match", Duration.ofSeconds(90), () -> {
      Result result = cli("status", ID, "--json");
      assertThat(result.exit()).as(result.all()).isZero();
      return JSON.readTree(result.out());
    }, condition);
  }

  @Test
  void anUpgradeAbortedHalfwayIsSeenHalfDoneAndFinishedByStartingItAgain() throws Exception {
    // Given an upgrade blocked in production's rolling reboot (sandbox approved and promoted)
    Result started = start();
    assertThat(started.exit()).as(started.all()).isZero();
    awaitStatus(s -> s.path("gate").path("phase").asText().equals("WAITING_APPROVAL"));
    assertThat(cli("approve", ID, "sandbox", "--reason", "sandbox quiet").exit()).isZero();
    JsonNode blocked = awaitStatus(s -> "reboot".equals(s.path("blockedStep").asText()));
    assertThat(blocked.path("currentStage").asText()).isEqualTo("production");

    // When it is started again with other options, then it says how they differ and changes nothing
    Result other = start("--cni", "v1.6.3", "--stages", "production");
    assertThat(other.exit()).as(other.all()).isEqualTo(1);
    assertThat(other.out()).contains(ID + " is already running", "it differs from what you asked:",
        "--cni v1.6.3 (it installs v1.6.2)", "--stages production (it runs sandbox, production)",
        "fleet-upgrade abort " + ID + " --reason ...");
    Result same = start();
    assertThat(same.exit()).as("the same upgrade again is fine").isZero();
    assertThat(same.out()).contains(ID + " is already running").doesNotContain("differs");
    Result dry = start("--dry-run");
    assertThat(dry.exit()).as(dry.all()).isZero();
    assertThat(dry.out()).contains("plan: kubernetes v1.31.2", "--dry-run: nothing started (" + ID + " runs)");

    // When it is aborted
    Result aborted = cli("abort", ID, "--reason", "BMC trouble at a site");
    assertThat(aborted.exit()).as(aborted.all()).isZero();
    awaitStatus(s -> s.path("state").asText().equals("ABORTED"));

    // Then review shows production's control plane at the target and its nodes behind
    Result review = cli("review", "--config", config.toString(), "--kubernetes", "v1.31.2");
    assertThat(review.exit()).as(review.all()).isZero();
    assertThat(review.out()).containsPattern("sandbox +v1\\.31\\.2 control plane, 6/6 nodes at target, healthy")
        .containsPattern("production +v1\\.31\\.2 control plane, [0-9]/10 nodes at target");

    // And starting it again starts a new run that keeps sandbox's promotion and finishes production
    Result again = start();
    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(again.out()).contains(ID + " ran before (run ", "ABORTED", "a new run skips what is done",
        "sandbox: at the target since", "approved (\"sandbox quiet\"), promoted", "started " + ID);
    JsonNode done = awaitStatus(s -> s.path("state").asText().equals("COMPLETED"));
    assertThat(done.path("stages").get(0).path("state").asText()).isEqualTo("ALREADY_AT_TARGET");
    assertThat(done.path("stages").get(1).path("state").asText()).isEqualTo("DONE");
    assertThat(done.path("timeline").findValuesAsText("event"))
        .anyMatch(e -> e.startsWith("promotion sandbox -> production passed in run "))
        .anyMatch(e -> e.endsWith("Ready and uncordoned: left alone"))
        .noneMatch(e -> e.contains("WAITING_APPROVAL"));

    // And once everything runs the target, there is nothing to start
    Result nothing = start();
    assertThat(nothing.exit()).as(nothing.all()).isZero();
    assertThat(nothing.out()).contains("every stage already runs v1.31.2, every node at it and healthy: nothing to upgrade");
  }
}
