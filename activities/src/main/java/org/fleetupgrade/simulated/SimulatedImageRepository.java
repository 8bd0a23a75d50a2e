package org.fleetupgrade.simulated;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.images.VersionChange;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;

/**
 * epoxy-images as the simulation sees it: one repository for the whole fleet, whose config file
 * carries the three versions, with commits, refs and release tags. It behaves like the real one
 * where the workflows can tell: a ref already at the versions is reused, production tags the commit
 * an earlier stage built, and tags count up from the highest release.
 */
final class SimulatedImageRepository {

  /** A commit: its id and the versions its config file carries. */
  record Commit(String id, Map<String, String> versions) {}

  static final String K8S = "K8S_VERSION";
  static final String CNI = "K8S_CNI_VERSION";
  static final String CRICTL = "K8S_CRICTL_VERSION";

  private final Map<String, Commit> commits = new LinkedHashMap<>();
  private final Map<String, String> refs = new LinkedHashMap<>();
  private int releasePatch = 30;

  SimulatedImageRepository(ReleaseVersion current) {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put(K8S, current.toString());
    versions.put(CNI, "v1.6.2");
    versions.put(CRICTL, "v" + current.major() + "." + current.minor() + ".0");
    Commit initial = new Commit(sha("initial" + versions), versions);
    commits.put(initial.id(), initial);
    refs.put("main", initial.id());
    refs.put("v2.4." + releasePatch, initial.id());
  }

  /** What is kept in the simulated fleet's state file. */
  synchronized SimulatedFleetState.ImagesState state() {
    Map<String, Map<String, String>> saved = new LinkedHashMap<>();
    commits.forEach((id, commit) -> saved.put(id, new LinkedHashMap<>(commit.versions())));
    return new SimulatedFleetState.ImagesState(saved, new LinkedHashMap<>(refs), releasePatch);
  }

  synchronized void restore(SimulatedFleetState.ImagesState state) {
    commits.clear();
    state.commits().forEach((id, versions) -> commits.put(id, new Commit(id, new LinkedHashMap<>(versions))));
    refs.clear();
    refs.putAll(state.refs());
    releasePatch = state.releasePatch();
  }

  synchronized Map<String, String> versionsOf(String commit) {
    Commit c = commits.get(commit);
    if (c == null) {
      throw new IllegalArgumentException("no commit " + commit + " in the simulated images repository");
    }
    return c.versions();
  }

  /** Why the commit to release does not carry {@code target} (null when it does). */
  synchronized String releasable(TargetVersions target, String base) {
    String id = base != null ? base : refs.get("main");
    if (commitFor(target, id).id().equals(id)) {
      return null;
    }
    return (base != null ? "the commit " + id.substring(0, 12) + " that an earlier stage built" : "no earlier stage built"
        + " images in this upgrade, and main (" + id.substring(0, 12) + ")") + " does not carry the target versions";
  }

  /** The commit carrying {@code target}: {@code base} if given, else main's head edited. */
  synchronized Commit commitFor(TargetVersions target, String base) {
    Commit from = commits.get(base != null && commits.containsKey(base) ? base : refs.get("main"));
    Map<String, String> wanted = versions(target);
    if (from.versions().equals(wanted)) {
      return from;
    }
    Commit edited = new Commit(sha(from.id() + wanted), wanted);
    commits.putIfAbsent(edited.id(), edited);
    return commits.get(edited.id());
  }

  /**
   * What moving {@code ref} to {@code commit} changes in the config file: from the ref's commit, or
   * for a new ref from main's head (a branch) or the latest release (a tag).
   */
  synchronized List<VersionChange> changes(String ref, Commit commit) {
    String from = refs.get(ref);
    if (from == null) {
      from = ref.startsWith("v") ? refs.get("v2.4." + releasePatch(ref)) : refs.get("main");
    }
    Commit before = commits.get(from);
    List<VersionChange> changes = new ArrayList<>();
    commit.versions().forEach((variable, value) -> {
      String old = before.versions().get(variable);
      if (!value.equals(old)) {
        changes.add(new VersionChange(variable, old, value));
      }
    });
    return changes;
  }

  /** The patch of the release before {@code tag}: the one it is compared with. */
  private int releasePatch(String tag) {
    int latest = 30;
    for (String ref : refs.keySet()) {
      if (ref.startsWith("v2.4.") && !ref.equals(tag)) {
        latest = Math.max(latest, Integer.parseInt(ref.substring(5)));
      }
    }
    return latest;
  }

  /** Points {@code ref} at the commit; true if it already did (nothing pushed). */
  synchronized boolean push(String ref, Commit commit) {
    return commit.id().equals(refs.put(ref, commit.id()));
  }

  /** The release tag on {@code commit}: the existing one, the operator's, or the next patch. */
  synchronized String tag(Commit commit, String wanted) {
    for (Map.Entry<String, String> ref : refs.entrySet()) {
      if (ref.getKey().startsWith("v") && ref.getValue().equals(commit.id()) && (wanted == null || wanted.equals(ref.getKey()))) {
        return ref.getKey();
      }
    }
    return wanted != null ? wanted : "v2.4." + (++releasePatch);
  }

  private static Map<String, String> versions(TargetVersions target) {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put(K8S, target.kubernetes().toString());
    versions.put(CNI, target.cni().toString());
    versions.put(CRICTL, target.crictl().toString());
    return versions;
  }

  private static String sha(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
