package org.fleetupgrade.worker.cli;

/**
 * Input that cannot be used (config, arguments, versions, an address without a port, a namespace the
 * server does not have): exit code 2, nothing started. An unreachable server is not bad input: see
 * {@link OperationFailedException}.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }
}
