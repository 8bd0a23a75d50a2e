package org.fleetupgrade.upgrade;

import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.version.TargetVersions;

/** A stage workflow's input: the stage, the target, and the fleet workflow to report progress to. */
public record StageAssignment(StagePlan plan, TargetVersions target, String fleetWorkflowId) {}
