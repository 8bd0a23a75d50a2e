package org.fleetupgrade.images;

import org.fleetupgrade.version.TargetVersions;

/**
 * What a stage asks of the image pipeline.
 *
 * @param upgradeId named in the commit and tag messages, so the repository says who changed it
 * @param baseCommit the commit an earlier stage built and soaked (null: none did in this upgrade);
 *     staging fast-forwards the main branch to it, production tags it
 * @param imagesTag the release tag the operator chose (`start --images-tag`); null: the next patch
 */
public record ImageRequest(String stage, String upgradeId, TargetVersions target, String baseCommit, String imagesTag) {}
