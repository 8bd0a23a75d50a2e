package org.fleetupgrade.worker.cli;

/** A valid request that did not succeed: exit code 1. */
public class OperationFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OperationFailedException(String message) {
    super(message);
  }
}
