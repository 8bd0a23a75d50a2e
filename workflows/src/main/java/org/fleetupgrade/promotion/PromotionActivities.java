package org.fleetupgrade.promotion;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** What the weekly promotion asks of Temporal itself: who waits, and the promotion. */
@ActivityInterface
public interface PromotionActivities {

  /** At most this many upgrades are looked at per run (one per Kubernetes version: a handful). */
  int MAX_WAITING = 50;

  /**
   * The upgrades soaked and waiting at a scheduled gate: a visibility query on our search
   * attributes (running, state GATE), each confirmed by its status query (gate WAITING_SCHEDULE).
   */
  @ActivityMethod
  List<WaitingPromotion> waitingForSchedule();

  /**
   * Promotes through the validated approve Update an operator uses; returns the upgrade's answer. A
   * rejection (the gate moved on, the upgrade was paused or aborted) fails non-retryably with its reason.
   */
  @ActivityMethod
  String promote(String upgradeId, String stage, String reason);

  String PROMOTION_REJECTED = "PromotionRejected";
}
