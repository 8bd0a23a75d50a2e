package org.fleetupgrade.worker.config;

import java.util.List;

/** A config that cannot be used: every error found, each as {@code file: path.to.field: reason}. */
public class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final List<String> errors;

  public ConfigException(List<String> errors) {
    super(String.join("\n", errors));
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
