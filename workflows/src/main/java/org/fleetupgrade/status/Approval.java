package org.fleetupgrade.status;

import java.time.Instant;

/** An operator's approval to promote {@code stage} to the next one, with the reason they gave. */
public record Approval(String stage, String reason, Instant at) {}
