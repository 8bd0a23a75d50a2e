package org.fleetupgrade.images;

/**
 * A finished boot-image build of a stage: {@code ref} is what was pushed (a sandbox-* branch, the
 * main branch or a vX.Y.Z tag), {@code buildId} what the build system calls it (several ids joined
 * with commas when one push starts several builds), {@code imagesVersion} the folder the images
 * land in ({@code latest}, or the release tag).
 */
public record ImageBuild(String stage, String ref, String buildId, String imagesVersion, String commit, String logUrl) {

  /** The images of sandbox and staging; production's are a release. */
  public static final String LATEST = "latest";

  public ImageBuild(String stage, String ref, String buildId, String imagesVersion) {
    this(stage, ref, buildId, imagesVersion, null, null);
  }

  /** A release's images are only booted by hosts that name it: they must be pointed at it. */
  public boolean pinned() {
    return imagesVersion != null && !LATEST.equals(imagesVersion);
  }
}
