package org.fleetupgrade.reboot;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.fleet.RebootBudget;

/**
 * Splits a stage's platform nodes into reboot waves within the budget: at most
 * {@code maxUnavailable} nodes per wave and at most {@code maxPerSite} from any one site, taking
 * sites round-robin so every site keeps serving while its nodes reboot in turn. Pure and ordered,
 * so the same inventory always gives the same plan.
 */
public final class WavePlanner {

  private WavePlanner() {}

  public static List<List<String>> plan(List<PlatformNode> nodes, RebootBudget budget) {
    Map<String, Deque<String>> bySite = new TreeMap<>();
    nodes.stream()
        .sorted(Comparator.comparing(PlatformNode::site).thenComparing(PlatformNode::name))
        .forEach(n -> bySite.computeIfAbsent(n.site(), s -> new ArrayDeque<>()).add(n.name()));
    List<Deque<String>> sites = new ArrayList<>(bySite.values());
    List<List<String>> waves = new ArrayList<>();
    int cursor = 0;
    int remaining = nodes.size();
    while (remaining > 0) {
      List<String> wave = new ArrayList<>();
      int visited = 0;
      while (visited < sites.size() && wave.size() < budget.maxUnavailable()) {
        Deque<String> site = sites.get(cursor);
        for (int taken = 0; taken < budget.maxPerSite() && !site.isEmpty()
            && wave.size() < budget.maxUnavailable(); taken++) {
          wave.add(site.poll());
        }
        cursor = (cursor + 1) % sites.size();
        visited++;
      }
      remaining -= wave.size();
      waves.add(List.copyOf(wave));
    }
    return List.copyOf(waves);
  }
}
