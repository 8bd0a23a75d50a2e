package org.fleetupgrade.status;

import java.time.Instant;

/**
 * The promotion gate after {@code stage}, before {@code next}. {@code until} is when the current
 * phase ends on its own (soak end, window opening); null when it waits for an operator.
 */
public record GateStatus(String stage, String next, GatePhase phase, Instant until, String detail) {}
