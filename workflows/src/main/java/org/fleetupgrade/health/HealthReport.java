package org.fleetupgrade.health;

import java.util.List;
import org.fleetupgrade.status.Text;

/**
 * A stage's health against the target: counts (also per node role) plus a bounded list of the worst
 * problems, so history stays small however large the cluster. Converged means every node Ready at
 * the target and no problem pod.
 *
 * @param problemsTotal how many problems there were in all; {@code problems} keeps the worst
 */
public record HealthReport(
    int nodesTotal, int nodesReady, int nodesAtTarget, List<String> problems, List<RoleHealth> roles, int problemsTotal) {

  /** How many problems a report carries at most. */
  public static final int MAX_PROBLEMS = 20;

  public HealthReport {
    // Null-tolerant: histories recorded before roles and problemsTotal existed still deserialize.
    problems = problems == null ? List.of()
        : List.copyOf(problems.size() > MAX_PROBLEMS ? problems.subList(0, MAX_PROBLEMS) : problems);
    roles = roles == null ? List.of() : List.copyOf(roles);
    problemsTotal = Math.max(problemsTotal, problems.size());
  }

  public HealthReport(int nodesTotal, int nodesReady, int nodesAtTarget, List<String> problems) {
    this(nodesTotal, nodesReady, nodesAtTarget, problems, List.of(), problems.size());
  }

  public boolean converged() {
    return nodesAtTarget == nodesTotal && nodesReady == nodesTotal && problemsTotal == 0;
  }

  public String summary() {
    String base = nodesAtTarget + "/" + Text.count(nodesTotal, "node") + " at target, " + nodesReady + " Ready";
    return problemsTotal == 0 ? base : base + "; " + Text.count(problemsTotal, "problem") + ", e.g. " + problems.get(0);
  }
}
