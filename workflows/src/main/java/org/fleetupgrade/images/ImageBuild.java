package org.fleetupgrade.images;

/**
 * A boot-image build for a stage: {@code ref} is what was pushed (a sandbox-* branch, master, or a
 * vX.Y.Z tag), {@code buildId} what the build system calls it.
 */
public record ImageBuild(String stage, String ref, String buildId, String imagesVersion) {}
