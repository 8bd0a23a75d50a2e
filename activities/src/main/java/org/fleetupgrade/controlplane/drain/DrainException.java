package org.fleetupgrade.controlplane.drain;

/** A drain that cannot go on: a missing node, a pod nothing would recreate, an eviction that failed. */
public class DrainException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DrainException(String message) {
    super(message);
  }
}
