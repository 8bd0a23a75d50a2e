package org.fleetupgrade.status;

import java.time.Instant;

/** One transition, stamped with workflow time. {@code stage} is null for fleet-level events. */
public record TimelineEntry(Instant at, String stage, String event) {}
