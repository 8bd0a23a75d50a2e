package org.fleetupgrade.status;

import java.time.Instant;

/** A step an operator skipped, with the reason they gave: kept for the final report. */
public record SkippedStep(String stage, String step, String reason, Instant at) {}
