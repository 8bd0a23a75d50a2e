package org.fleetupgrade.worker.cli;

/** Input that cannot be used (config, arguments, versions, an unreachable server): exit code 2, nothing started. */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }
}
