package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.worker.cli.RealServerCli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `list` on a real Temporal server: one visibility query on our search attributes, each upgrade's
 * state and current stage shown from them, filters answered by the server, and an aborted upgrade
 * listed ABORTED (its workflow completed, the upgrade did not).
 */
class ListOnRealServerTest {

  @TempDir
  Path dir;

  @Test
  void listShowsStateAndStageFromSearchAttributesFiltersOnTheServerAndAnAbortReadsAborted() throws Exception {
    try (RealServerCli real = new RealServerCli(dir, RealServerCli.SANDBOX_BY_APPROVAL)) {
      // Given an upgrade waiting at sandbox's approval gate
      real.ok("start", "--config", real.config.toString(), "--kubernetes", "v1.31.2");
      real.awaitStatus("fleet-upgrade-v1.31.2", s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_APPROVAL);

      // When it is listed, then its state and stage come from its search attributes
      Result all = real.awaitOutput(out -> out.contains("GATE"), "list");
      assertThat(all.out()).containsPattern("fleet-upgrade-v1\\.31\\.2 +GATE +sandbox ");
      // and the filters are the server's
      assertThat(real.awaitOutput(out -> out.contains("v1.31.2"), "list", "--state", "gate", "--stage", "sandbox",
          "--kubernetes", "v1.31.2", "--open").out()).contains("fleet-upgrade-v1.31.2");
      assertThat(real.ok("list", "--state", "BLOCKED").out()).startsWith("no fleet upgrades match (WorkflowType ="
          + " 'FleetUpgradeWorkflow' AND FleetUpgradeState = 'BLOCKED')");
      assertThat(real.ok("list", "--stage", "production").out()).startsWith("no fleet upgrades match");

      // When it is aborted, then it lists ABORTED, closed, and no longer open
      real.ok("abort", "v1.31.2", "--reason", "testing list");
      real.awaitStatus("fleet-upgrade-v1.31.2", s -> s.state() == FleetState.ABORTED);
      Result aborted = real.awaitOutput(out -> out.contains("ABORTED"), "list", "--state", "aborted");
      assertThat(aborted.out()).containsPattern("fleet-upgrade-v1\\.31\\.2 +ABORTED ").doesNotContain("completed");
      assertThat(real.awaitOutput(out -> out.startsWith("no fleet upgrades match"), "list", "--open").out())
          .contains("ExecutionStatus = 'Running'");

      // When it is started again (a new run of the same upgrade), then --limit 1 shows one, the running one, and says there is more
      real.ok("start", "--config", real.config.toString(), "--kubernetes", "v1.31.2");
      real.awaitOutput(out -> out.contains("fleet-upgrade-v1.31.2"), "list", "--open");
      Result newest = real.ok("list", "--limit", "1");
      assertThat(newest.out().lines().filter(l -> l.startsWith("fleet-upgrade-")).toList()).singleElement()
          .satisfies(row -> assertThat(row).doesNotContain("ABORTED"));
      assertThat(newest.out()).contains("(1 upgrade shown; more match: --limit 10 shows more, or narrow with --open,");
      assertThat(real.ok("list").out()).doesNotContain("more match").containsPattern("fleet-upgrade-v1\\.31\\.2 +ABORTED ");
    }
  }
}
