package org.fleetupgrade.images;

/** What a stage's image step did so far, for status and the web UI: any part may still be null. */
public record StageImages(ImageRelease release, ImageBuild build, HostsPointed hosts) {

  public StageImages withBuild(ImageBuild b) {
    return new StageImages(release, b, hosts);
  }

  public StageImages withHosts(HostsPointed h) {
    return new StageImages(release, build, h);
  }
}
