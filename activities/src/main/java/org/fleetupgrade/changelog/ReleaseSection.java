package org.fleetupgrade.changelog;

import java.util.List;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * One {@code # vX.Y.Z} section of a CHANGELOG-1.NN.md: its urgent upgrade notes, deprecations,
 * security issues (the CVE headings) and every change item, each item with its nested lines.
 */
public record ReleaseSection(
    ReleaseVersion version,
    List<String> urgentNotes,
    List<String> deprecations,
    List<String> securityIssues,
    List<String> changes) {

  public ReleaseSection {
    urgentNotes = List.copyOf(urgentNotes);
    deprecations = List.copyOf(deprecations);
    securityIssues = List.copyOf(securityIssues);
    changes = List.copyOf(changes);
  }
}
