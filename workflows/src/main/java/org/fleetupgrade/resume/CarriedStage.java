package org.fleetupgrade.resume;

import java.time.Instant;

/**
 * What an earlier run of the same upgrade established about one stage, so a new run does not wait
 * for it again. A new run uses it only for a stage it finds already at the target and healthy:
 * a stage it had to work on soaks and is promoted from scratch.
 *
 * @param reachedTarget when the stage was last found done (its soak counts from there); null if it never was
 * @param promoted when the next stage started after it (its promotion gate was passed); null if it never did
 * @param approval the reason an operator gave to promote it; null if none was given
 * @param imagesCommit the epoxy-images commit it built and soaked, which the next stage builds; null if none
 */
public record CarriedStage(String stage, Instant reachedTarget, Instant promoted, String approval, String imagesCommit) {}
