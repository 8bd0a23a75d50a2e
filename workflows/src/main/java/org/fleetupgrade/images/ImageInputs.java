package org.fleetupgrade.images;

/**
 * What a stage's image step inherits from the upgrade: the commit an earlier stage built (so staging
 * and production build exactly what was soaked), and the operator's release tag, if any.
 */
public record ImageInputs(String baseCommit, String imagesTag) {

  public static final ImageInputs NONE = new ImageInputs(null, null);
}
