package org.fleetupgrade.changelog;

import java.util.List;

/**
 * What an operator must read before an upgrade: extracted notes only (bounded), never the whole
 * changelog, so workflow history stays small.
 */
public record ChangelogReview(String source, List<String> urgentNotes, List<String> warnings) {

  public ChangelogReview {
    urgentNotes = List.copyOf(urgentNotes);
    warnings = List.copyOf(warnings);
  }

  public boolean needsAttention() {
    return !urgentNotes.isEmpty() || !warnings.isEmpty();
  }
}
