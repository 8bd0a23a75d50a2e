package org.fleetupgrade.promotion;

/** What the weekly promotion did with one waiting upgrade, and why. */
public record PromotionOutcome(String upgradeId, String stage, boolean promoted, String detail) {}
