package org.fleetupgrade.upgrade;

import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.images.ImageInputs;
import org.fleetupgrade.version.TargetVersions;

/**
 * A stage workflow's input: the stage, the target, the fleet workflow to report progress to, and
 * what its image step inherits (null in histories from before the image pipeline).
 */
public record StageAssignment(StagePlan plan, TargetVersions target, String fleetWorkflowId, ImageInputs images) {

  public StageAssignment(StagePlan plan, TargetVersions target, String fleetWorkflowId) {
    this(plan, target, fleetWorkflowId, ImageInputs.NONE);
  }

  public ImageInputs imageInputs() {
    return images == null ? ImageInputs.NONE : images;
  }
}
