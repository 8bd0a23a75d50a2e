package org.fleetupgrade.reboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.fleet.RebootBudget;
import org.junit.jupiter.api.Test;

class WavePlannerTest {

  private static List<PlatformNode> sites(int sites, int perSite) {
    List<PlatformNode> nodes = new ArrayList<>();
    for (int s = 0; s < sites; s++) {
      for (int n = 1; n <= perSite; n++) {
        nodes.add(new PlatformNode("mlab" + n + "-site" + s, "site" + s));
      }
    }
    return nodes;
  }

  @Test
  void everyNodeOnceWithinTheBudgetAndNeverTwoFromOneSite() {
    List<PlatformNode> nodes = sites(150, 4);
    Map<String, String> siteOf = nodes.stream().collect(Collectors.toMap(PlatformNode::name, PlatformNode::site));

    List<List<String>> waves = WavePlanner.plan(nodes, new RebootBudget(50, 1, Duration.ofMinutes(30)));

    assertThat(waves.stream().flatMap(Collection::stream)).hasSize(600).doesNotHaveDuplicates();
    assertThat(waves).hasSize(12).allSatisfy(w -> {
      assertThat(w).hasSizeLessThanOrEqualTo(50);
      assertThat(w.stream().map(siteOf::get).collect(Collectors.groupingBy(Function.identity(), Collectors.counting())))
          .allSatisfy((site, count) -> assertThat(count).isEqualTo(1));
    });
  }

  @Test
  void fewSitesMeanMoreWavesNotMoreNodesPerSite() {
    List<List<String>> waves = WavePlanner.plan(sites(2, 4), new RebootBudget(10, 1, Duration.ofMinutes(30)));
    assertThat(waves).hasSize(4).allSatisfy(w -> assertThat(w).hasSize(2));
  }

  @Test
  void samePlanForTheSameInventoryWhateverItsOrder() {
    List<PlatformNode> nodes = sites(7, 3);
    List<PlatformNode> shuffled = new ArrayList<>(nodes);
    java.util.Collections.reverse(shuffled);
    RebootBudget budget = new RebootBudget(4, 2, Duration.ofMinutes(30));
    assertThat(WavePlanner.plan(shuffled, budget)).isEqualTo(WavePlanner.plan(nodes, budget));
  }

  @Test
  void noNodesNoWaves() {
    assertThat(WavePlanner.plan(List.of(), new RebootBudget(4, 1, Duration.ofMinutes(1)))).isEmpty();
  }
}
