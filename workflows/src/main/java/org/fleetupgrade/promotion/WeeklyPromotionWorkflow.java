package org.fleetupgrade.promotion;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The weekly promotion, run by the Temporal Schedule {@code fleet-upgrade-weekly-promotion}: every
 * upgrade waiting at a scheduled gate whose stage is still healthy is promoted, through the same
 * approve Update an operator uses, with "promoted by the weekly schedule" as its reason.
 */
@WorkflowInterface
public interface WeeklyPromotionWorkflow {

  @WorkflowMethod
  PromotionReport run();
}
