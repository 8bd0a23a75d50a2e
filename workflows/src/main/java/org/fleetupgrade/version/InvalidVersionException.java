package org.fleetupgrade.version;

/** A version string that is not {@code vMAJOR.MINOR.PATCH}, or a version that cannot be used. */
public class InvalidVersionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidVersionException(String message) {
    super(message);
  }
}
