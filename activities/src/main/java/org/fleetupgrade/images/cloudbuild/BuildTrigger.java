package org.fleetupgrade.images.cloudbuild;

import java.util.List;
import java.util.Objects;

/**
 * The Cloud Build triggers one push fires in a project: epoxy-images has two per stage
 * (cloudbuild.yaml and cloudbuild-stage1.yaml). Triggers created without a region live in
 * "global"; a regional trigger's builds are only visible under its location.
 */
public record BuildTrigger(String project, String region, List<String> triggerIds) {

  public static final String GLOBAL = "global";

  public BuildTrigger {
    Objects.requireNonNull(project, "project");
    region = region == null || region.isBlank() ? GLOBAL : region;
    if (triggerIds == null || triggerIds.isEmpty()) {
      throw new IllegalArgumentException("project " + project + ": no trigger ids to watch");
    }
    triggerIds = List.copyOf(triggerIds);
  }

  public BuildTrigger(String project, List<String> triggerIds) {
    this(project, GLOBAL, triggerIds);
  }

  public boolean global() {
    return GLOBAL.equals(region);
  }

  /** For messages: the project, and the region when it is not the default. */
  String where() {
    return global() ? project : project + " (" + region + ")";
  }
}
