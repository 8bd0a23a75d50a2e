package org.fleetupgrade.changelog;

import java.util.List;
import org.fleetupgrade.status.Text;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * What an operator must read before an upgrade: notes extracted from the changelog (bounded: at most
 * {@link #MAX_NOTES} per list, each at most {@link #MAX_NOTE_CHARS} characters; {@code omitted}
 * counts the rest), never the whole file, so workflow history stays small.
 *
 * @param path the versions to go through, e.g. [v1.30.5, v1.31.2]; more than two means more than one minor
 * @param latestStable the latest stable release (stable.txt) when known
 */
public record ChangelogReview(
    String source,
    ReleaseVersion current,
    ReleaseVersion target,
    ReleaseVersion latestStable,
    List<ReleaseVersion> path,
    List<ReleaseNote> urgentNotes,
    List<ReleaseNote> deprecations,
    List<ReleaseNote> securityNotes,
    List<ReleaseNote> kubeadmItems,
    List<String> warnings,
    int omitted) {

  public static final int MAX_NOTES = 40;
  public static final int MAX_NOTE_CHARS = 1500;

  public ChangelogReview {
    // Null-tolerant: histories recorded before a field existed still deserialize.
    path = path == null ? List.of() : List.copyOf(path);
    urgentNotes = urgentNotes == null ? List.of() : List.copyOf(urgentNotes);
    deprecations = deprecations == null ? List.of() : List.copyOf(deprecations);
    securityNotes = securityNotes == null ? List.of() : List.copyOf(securityNotes);
    kubeadmItems = kubeadmItems == null ? List.of() : List.copyOf(kubeadmItems);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /** Urgent notes or warnings: a person must read them, and acknowledge, before the upgrade goes on. */
  public boolean needsAttention() {
    return !urgentNotes.isEmpty() || !warnings.isEmpty();
  }

  public String summary() {
    return Text.count(urgentNotes.size(), "urgent note") + ", " + Text.count(deprecations.size(), "deprecation") + ", "
        + Text.count(securityNotes.size(), "security note") + ", " + Text.count(kubeadmItems.size(), "kubeadm item") + ", "
        + Text.count(warnings.size(), "warning");
  }
}
