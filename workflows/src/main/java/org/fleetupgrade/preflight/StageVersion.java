package org.fleetupgrade.preflight;

/** A stage's cluster version as found, or why it could not be found. Exactly one is set. */
public record StageVersion(String stage, String version, String error) {}
