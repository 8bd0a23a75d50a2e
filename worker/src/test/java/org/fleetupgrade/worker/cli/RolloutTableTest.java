package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.fleetupgrade.reboot.rollout.NodeResult;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.reboot.window.NodeFate;
import org.junit.jupiter.api.Test;

class RolloutTableTest {

  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

  @Test
  void theRolloutShowsCountsTheLongestNodesInFlightFailuresTheEtaAndWhatItWaitsFor() {
    RolloutProgress progress = new RolloutProgress(600, 300, 20, 5, 2, 3, 270,
        List.of(new RolloutProgress.InFlight("mlab2-lga03", "lga03", NOW.minusSeconds(300)),
            new RolloutProgress.InFlight("mlab1-ams01", "ams01", NOW.minusSeconds(1500))),
        List.of("mlab4-syd01", "mlab3-nrt01"), 540, NOW.plusSeconds(7200), false, true,
        "kured's lock is held by mlab3-xyz01 since 2026-11-27T11:50:00Z: waiting",
        new NodeResult("mlab1-syd02", NodeFate.REBOOTED, "back", 1620), List.of("mlab1-bom01 (taint lame-duck)"));

    String table = StatusTable.rollout("production", progress, NOW);

    assertThat(table).contains(
        "rolling reboot of production: 325/600 done (300 rebooted, 20 already at target, 5 left alone), 3 in flight,"
            + " 2 failed, 270 to go  [paused]",
        "a reboot takes 9m on average; done around 2026-11-27 14:00:00 UTC (in 2h); slowest: mlab1-syd02 (27m)",
        "left alone: mlab1-bom01 (taint lame-duck), ...",
        "kured's lock is held by mlab3-xyz01",
        "failed (left cordoned): mlab4-syd01, mlab3-nrt01");
    assertThat(table.indexOf("mlab1-ams01")).as("the longest in flight first").isLessThan(table.indexOf("mlab2-lga03"));
    assertThat(table).contains("mlab1-ams01", "ams01", "for 25m", "for 5m");
  }
}
