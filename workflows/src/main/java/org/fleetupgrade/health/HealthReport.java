package org.fleetupgrade.health;

import java.util.List;

/**
 * A stage's health against the target: counts plus a bounded list of the worst problems, so
 * history stays small however large the cluster. Converged means every node Ready at the target
 * and no problem pod.
 */
public record HealthReport(int nodesTotal, int nodesReady, int nodesAtTarget, List<String> problems) {

  /** How many problems a report carries at most. */
  public static final int MAX_PROBLEMS = 20;

  public HealthReport {
    problems = List.copyOf(problems.size() > MAX_PROBLEMS ? problems.subList(0, MAX_PROBLEMS) : problems);
  }

  public boolean converged() {
    return nodesAtTarget == nodesTotal && nodesReady == nodesTotal && problems.isEmpty();
  }

  public String summary() {
    String base = nodesAtTarget + "/" + nodesTotal + " nodes at target, " + nodesReady + " Ready";
    return problems.isEmpty() ? base : base + "; " + problems.size() + " problem(s): " + problems.get(0);
  }
}
