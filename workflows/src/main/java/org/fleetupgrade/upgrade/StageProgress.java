package org.fleetupgrade.upgrade;

import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.status.TimelineEntry;

/**
 * A stage's report to its fleet workflow after a transition: the new snapshot and the event.
 * {@code sequence} orders them, so a late signal never overwrites a newer snapshot.
 */
public record StageProgress(long sequence, StageStatus status, TimelineEntry event) {}
