package org.fleetupgrade.status;

/** Platform and virtual nodes at the target version out of all nodes of a stage. */
public record NodeConvergence(int atTarget, int total) {

  public static final NodeConvergence UNKNOWN = new NodeConvergence(0, 0);

  public int percent() {
    return total == 0 ? 0 : (int) (100L * atTarget / total);
  }

  @Override
  public String toString() {
    return atTarget + "/" + total;
  }
}
