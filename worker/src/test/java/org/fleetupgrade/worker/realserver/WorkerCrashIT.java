package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;
import static org.fleetupgrade.worker.realserver.CrashRig.ID;
import static org.fleetupgrade.worker.realserver.CrashRig.TARGET;
import static org.fleetupgrade.worker.realserver.SideEffects.journal;
import static org.fleetupgrade.worker.realserver.SideEffects.stage;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.worker.cli.JarProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker crashes for real: the jar runs as its own process against a real Temporal server
 * (the CLI's dev server, SQLite) over a simulated fleet kept in a file, and is killed with SIGKILL
 * three times in one upgrade: right after sandbox's first member ran {@code kubeadm upgrade apply}
 * (before Temporal heard the step end), right after a node of sandbox's rolling reboot was sent
 * into its reboot, and while sandbox waits for approval. Each time a new worker process takes
 * over; the upgrade completes with every side effect done exactly once.
 *
 * <p>Recovery takes seconds, not the steps' 2-minute timeouts: the config's
 * {@code simulation.heartbeatTimeout: 5s} gives every simulated activity a 5-second heartbeat
 * timeout (its long steps heartbeat every 250 ms), so the attempt the dead worker held is retried
 * 5 seconds after its last heartbeat, on the new worker.
 */
class WorkerCrashIT {

  private static final String FIRST_MEMBER = "api-platform-cluster-us-west2-a";

  @TempDir
  Path dir;

  private CrashRig rig;

  @BeforeEach
  void startServer() throws Exception {
    // Staging has one node: after a canary, nodes are looked at every 15 s around the fastest reboot
    // seen, which only slows the test (NodeRebootWorkflowImpl.CLOSE_LOOK, made for reboots of minutes).
    rig = CrashRig.start(dir, """
        - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c], promotion: approval,
           simulated: {currentVersion: v1.30.5, sites: 3, nodesPerSite: 1, virtualNodes: 1}}
        - {name: staging, project: mlab-staging, region: us-central1, zones: [a, b],
           simulated: {currentVersion: v1.30.5, sites: 1, nodesPerSite: 1, virtualNodes: 1}}
        """);
  }

  @AfterEach
  void stop() throws Exception {
    if (rig != null) {
      rig.close();
    }
  }

  private static void log(long began, String what) {
    System.out.printf("WorkerCrashIT: %s at %ds%n", what, Duration.ofNanos(System.nanoTime() - began).toSeconds());
  }

  @Test
  void killedMidControlPlaneMidRebootAndAtAGateTheUpgradeCompletesWithEverySideEffectOnce() throws Exception {
    long began = System.nanoTime();
    rig.newWorker();
    rig.startUpgrade();

    // 1. Mid control plane: sandbox's first member has run kubeadm upgrade apply (the state file says
    // so) and its step is still running (the static pods coming back): SIGKILL now.
    await("sandbox's apply", Duration.ofSeconds(60), () -> journal(rig.fleet(), "apply", "sandbox").isEmpty() ? null : true);
    JsonNode member = stage(rig.status(), "sandbox").path("members").get(0);
    assertThat(member.path("name").asText()).isEqualTo(FIRST_MEMBER);
    assertThat(member.path("phase").asText()).as("killed inside the step").isEqualTo("UPGRADING");
    rig.worker().kill();
    log(began, "killed mid control plane");
    rig.newWorker();

    // 2. Mid rolling reboot: the canary is back and a second node was just sent into its reboot.
    await("a second node rebooting in sandbox", Duration.ofSeconds(90),
        () -> journal(rig.fleet(), "reboot", "sandbox").size() >= 2 ? true : null);
    assertThat(stage(rig.status(), "sandbox").path("step").asText()).isEqualTo("reboot");
    // The rollout itself says what is in flight (the stage's copy is told at every 5%, not at each start)
    JsonNode rollout = rig.client().newUntypedWorkflowStub(ID + "/sandbox/rollout").query("progress", JsonNode.class);
    assertThat(rollout.path("inFlight").asInt()).as("nodes in flight when killed: " + rollout).isPositive();
    rig.worker().kill();
    log(began, "killed mid rolling reboot");
    rig.newWorker();

    // 3. At the gate: sandbox is done and waits for approval.
    JsonNode atGate = await("sandbox's approval gate", Duration.ofSeconds(90), () -> {
      JsonNode now = rig.status();
      return now.path("gate").path("phase").asText().equals("WAITING_APPROVAL") ? now : null;
    });
    assertThat(atGate.path("gate").path("stage").asText()).isEqualTo("sandbox");
    rig.worker().kill();
    log(began, "killed at the approval gate");
    rig.newWorker();
    JarProcess.Result approved = JarProcess.run("approve", ID, "sandbox", "--reason", "quiet after three crashes",
        "--address", rig.server().address());
    assertThat(approved.exit()).as(approved.all()).isZero();
    log(began, "approved");

    // Then the upgrade completes on the fourth worker
    JsonNode done = rig.client().newUntypedWorkflowStub(ID)
        .getResult(150, TimeUnit.SECONDS, JsonNode.class);
    assertThat(done.path("state").asText()).isEqualTo("COMPLETED");
    assertThat(stage(done, "sandbox").path("state").asText() + " " + stage(done, "staging").path("state").asText())
        .isEqualTo("DONE DONE");

    // And every side effect happened exactly once: apply once per stage, node on the other members,
    // each node rebooted once, everything at the target
    SideEffects.assertEachDoneOnce(rig.fleet(), TARGET);
    // The member killed after its apply was found upgraded by the retry, which did nothing
    assertThat(stage(done, "sandbox").path("members").findValuesAsText("mode"))
        .containsExactly("already-at-target", "node", "node");
    // For whoever reads the test's output: where the time went
    done.path("timeline").forEach(e -> System.out.println("  " + e.path("at").asText() + "  "
        + e.path("stage").asText() + "  " + e.path("event").asText()));
    System.out.printf("WorkerCrashIT: 3 SIGKILLs, 4 workers, the upgrade completed in %ds%n",
        Duration.ofNanos(System.nanoTime() - began).toSeconds());
  }
}
