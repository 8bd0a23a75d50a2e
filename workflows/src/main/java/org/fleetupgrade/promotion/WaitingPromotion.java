package org.fleetupgrade.promotion;

import org.fleetupgrade.version.ReleaseVersion;

/** An upgrade soaked and waiting at a scheduled gate: {@code stage} is to be promoted to {@code next}. */
public record WaitingPromotion(String upgradeId, String stage, String next, ReleaseVersion target) {}
