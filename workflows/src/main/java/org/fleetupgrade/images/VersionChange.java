package org.fleetupgrade.images;

/** One variable of the images' config file, from its old value to the target. */
public record VersionChange(String variable, String from, String to) {

  @Override
  public String toString() {
    return variable + " " + from + " -> " + to;
  }
}
