package org.fleetupgrade.images.cloudbuild;

import com.google.cloudbuild.v1.Build;
import com.google.protobuf.Timestamp;
import java.time.Instant;

final class BuildTimes {

  private BuildTimes() {
  }

  /** Null for a timestamp the API left unset (a build not started yet has no startTime). */
  static Instant instant(boolean present, Timestamp timestamp) {
    return present ? Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()) : null;
  }

  static Instant created(Build build, Instant otherwise) {
    Instant created = instant(build.hasCreateTime(), build.getCreateTime());
    return created != null ? created : otherwise;
  }
}
