package org.fleetupgrade.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fleetupgrade.controlplane.UpgradeMode;
import org.fleetupgrade.reboot.rollout.RebootLockActivities;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated fleet kept in a file: what a worker killed and started again finds. */
class SimulatedFleetStateTest {

  private static final ReleaseVersion OLD = ReleaseVersion.parse("v1.30.5");
  private static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.31.2");
  private static final List<SimulatedFault> FAULTS =
      List.of(new SimulatedFault("health", "sandbox", null, 1, "flaky", true));

  @TempDir
  Path dir;

  private static SimulatedFleet fleet(int sites) {
    return new SimulatedFleet(List.of(new SimulatedStage("sandbox", "mlab-sandbox", "us-west2", List.of("a", "b", "c"),
        "api-platform-cluster-{region}-{zone}", OLD, sites, 1, 1)), SimulatedTiming.INSTANT, FAULTS);
  }

  @Test
  void aFleetStartedAgainOnItsFileFindsWhatTheLastOneDidAndItsJournal() {
    Path file = dir.resolve("fleet.json");
    SimulatedFleet first = fleet(2).keepStateIn(file);
    SimulatedFleet.Cluster sandbox = first.cluster("sandbox");
    String member = sandbox.members.get(0).name;
    sandbox.drain(member);
    assertThat(sandbox.upgrade(member, TARGET)).isEqualTo(UpgradeMode.APPLY);
    SimulatedFleet.Node node = sandbox.platformNode("mlab1-lga01.mlab-sandbox.measurement-lab.org");
    sandbox.imageBuilt(TARGET);
    sandbox.rebootAt(node, 1_000, Duration.ofSeconds(5), false, false);
    first.kuredLocks.put("sandbox", "fleet-upgrade/rollout");
    assertThatThrownBy(() -> first.maybeFail("health", "sandbox", null)).isInstanceOf(ApplicationFailure.class);
    first.save();

    // A worker killed here and started again: the same fleet, mid-reboot, with its journal
    SimulatedFleet again = fleet(2).keepStateIn(file);
    SimulatedFleet.Cluster found = again.cluster("sandbox");
    assertThat(found.kubeadmConfigVersion()).isEqualTo(TARGET);
    assertThat(found.memberAt(member, TARGET)).isTrue();
    assertThat(again.memberCordoned("sandbox", member)).isTrue();
    assertThat(again.applyCount("sandbox")).isEqualTo(1);
    assertThat(again.kuredLockHolder("sandbox")).isEqualTo("fleet-upgrade/rollout");
    SimulatedFleet.Node back = found.look(found.platformNode(node.name), 6_000);
    assertThat(back.boot).isEqualTo(2);
    assertThat(back.kubelet).isEqualTo(TARGET);
    // the fault fired its one time before the restart: not again
    again.maybeFail("health", "sandbox", null);
    // the next member gets `kubeadm upgrade node`: kubeadm-config is at the target
    String next = found.members.get(1).name;
    found.drain(next);
    assertThat(found.upgrade(next, TARGET)).isEqualTo(UpgradeMode.NODE);
    again.save();

    SimulatedFleetState state = SimulatedFleetState.read(file);
    assertThat(state.journal()).extracting(SimulatedFleetState.JournalEntry::action)
        .containsExactly("drain", "apply", "reboot", "drain", "upgrade-node");
    assertThat(state.journal("apply", "sandbox")).singleElement()
        .satisfies(e -> assertThat(e.target()).isEqualTo(member));
    assertThat(state.journal("reboot", "sandbox")).singleElement()
        .satisfies(e -> assertThat(e.detail()).isEqualTo("boot-1"));
    assertThat(dir.resolve("fleet.json.tmp")).doesNotExist();
  }

  @Test
  void eachActivityOfAKeptFleetSavesBeforeItReturns() throws Exception {
    Path file = dir.resolve("fleet.json");
    SimulatedFleet fleet = fleet(1).keepStateIn(file);
    RebootLockActivities lock = fleet.activities().stream().filter(RebootLockActivities.class::isInstance)
        .map(RebootLockActivities.class::cast).findFirst().orElseThrow();

    lock.acquire("sandbox", "fleet-upgrade/rollout");

    assertThat(SimulatedFleetState.read(file).kuredLocks()).containsEntry("sandbox", "fleet-upgrade/rollout");
  }

  @Test
  void inMemoryByDefaultNothingIsWrittenAndTheAdaptersAreThemselves() throws Exception {
    SimulatedFleet fleet = fleet(1);
    assertThat(fleet.stateFile()).isNull();
    assertThat(fleet.activities()).noneMatch(a -> Proxy.isProxyClass(a.getClass()));
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aFileOfAnotherFleetIsRefusedNamingIt() {
    Path file = dir.resolve("fleet.json");
    fleet(2).keepStateIn(file);

    assertThatThrownBy(() -> fleet(3).keepStateIn(file)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("other members or nodes")
        .hasMessageContaining("delete it");
  }
}
