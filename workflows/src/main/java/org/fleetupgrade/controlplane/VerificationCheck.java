package org.fleetupgrade.controlplane;

/** One post-upgrade check of a member: what was expected, what was found. */
public record VerificationCheck(String name, String expected, String actual) {

  public boolean passed() {
    return expected.equals(actual);
  }

  @Override
  public String toString() {
    return name + ": expected " + expected + ", found " + actual;
  }
}
