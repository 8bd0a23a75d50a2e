package org.fleetupgrade.worker.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;
import static org.fleetupgrade.worker.realserver.CrashRig.ID;
import static org.fleetupgrade.worker.realserver.CrashRig.TARGET;
import static org.fleetupgrade.worker.realserver.SideEffects.journal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Temporal server crashes for real: the CLI's dev server is killed with SIGKILL twice during an
 * upgrade (right after a member's kubeadm upgrade apply, and mid rolling reboot with nodes in
 * flight) and started again on its SQLite file and ports. The worker, its own process, is never
 * restarted: it reconnects by itself, and the upgrade completes with every side effect done once.
 */
class ServerCrashIT {

  @TempDir
  Path dir;

  private CrashRig rig;

  @BeforeEach
  void startServerAndWorker() throws Exception {
    rig = CrashRig.start(dir, """
        - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a, b, c],
           simulated: {currentVersion: v1.30.5, sites: 4, nodesPerSite: 1, virtualNodes: 1}}
        """);
    rig.newWorker();
  }

  @AfterEach
  void stop() throws Exception {
    if (rig != null) {
      rig.close();
    }
  }

  /** SIGKILL the server and start it again on the same database and ports (down while it starts). */
  private void crashServer() throws Exception {
    rig.server().kill();
    rig.server().restart();
  }

  @Test
  void theServerKilledMidControlPlaneAndMidRebootComesBackAndTheSameWorkerFinishesWithEachSideEffectOnce()
      throws Exception {
    long began = System.nanoTime();
    long pid = rig.worker().pid();
    rig.startUpgrade();

    // 1. While the first member's upgrade step runs (apply done; its activity may end, and report, while the server is down)
    await("sandbox's apply", Duration.ofSeconds(60), () -> journal(rig.fleet(), "apply", "sandbox").isEmpty() ? null : true);
    crashServer();
    // 2. Mid rolling reboot: the canary back, more nodes sent into their reboot
    await("a second node rebooting", Duration.ofSeconds(120),
        () -> journal(rig.fleet(), "reboot", "sandbox").size() >= 2 ? true : null);
    crashServer();

    // Then the same worker process reconnects by itself and the upgrade completes
    JsonNode done = await("the upgrade's result", Duration.ofSeconds(150), () ->
        rig.client().newUntypedWorkflowStub(ID)
            .getResult(10, TimeUnit.SECONDS, JsonNode.class));
    assertThat(done.path("state").asText()).isEqualTo("COMPLETED");
    assertThat(rig.worker().isAlive()).as("the worker was never restarted").isTrue();
    assertThat(rig.worker().pid()).isEqualTo(pid);
    SideEffects.assertEachDoneOnce(rig.fleet(), TARGET);
    System.out.printf("ServerCrashIT: 2 server SIGKILLs, one worker, the upgrade completed in %ds%n",
        Duration.ofNanos(System.nanoTime() - began).toSeconds());
  }
}
