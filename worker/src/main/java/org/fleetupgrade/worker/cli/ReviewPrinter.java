package org.fleetupgrade.worker.cli;

import java.util.List;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.changelog.ReleaseNote;
import org.fleetupgrade.preflight.StageVersion;
import org.fleetupgrade.preflight.UpgradeReview;
import org.fleetupgrade.version.UpgradePath;
import org.fleetupgrade.status.Text;

/** The changelog review as an operator reads it before an upgrade. */
final class ReviewPrinter {

  private ReviewPrinter() {}

  static String stages(UpgradeReview review) {
    StringBuilder out = new StringBuilder("current versions:\n");
    for (StageVersion s : review.stages()) {
      String nodes = s.nodesText();
      out.append(String.format("  %-12s %s%n", s.stage(), s.version() == null ? "unknown: " + s.error()
          : nodes == null ? s.version() : s.version() + " control plane, " + nodes));
    }
    return out.toString();
  }

  static String print(UpgradeReview upgrade) {
    StringBuilder out = new StringBuilder(stages(upgrade));
    ChangelogReview r = upgrade.review();
    if (r == null) {
      return out.toString();
    }
    out.append("path: ").append(UpgradePath.describe(r.path()));
    if (r.latestStable() != null) {
      out.append("   (latest stable ").append(r.latestStable()).append(')');
    }
    out.append("\nsource: ").append(r.source()).append('\n');
    section(out, "URGENT UPGRADE NOTES (No, really, you MUST read this before you upgrade)", r.urgentNotes());
    section(out, "Deprecations", r.deprecations());
    section(out, "Security", r.securityNotes());
    section(out, "kubeadm", r.kubeadmItems());
    if (!r.warnings().isEmpty()) {
      out.append("\nWarnings:\n");
      r.warnings().forEach(w -> out.append("  ! ").append(w).append('\n'));
    }
    if (r.omitted() > 0) {
      out.append("\n(").append(Text.count(r.omitted(), "more note", "more notes")).append(r.omitted() == 1 ? " is in " : " are in ").append(r.source()).append(")\n");
    }
    out.append('\n').append(r.summary()).append(r.needsAttention()
        ? ": the upgrade will wait for `fleet-upgrade acknowledge` (or start it with --acknowledge)\n"
        : ": nothing needs acknowledging\n");
    return out.toString();
  }

  private static void section(StringBuilder out, String title, List<ReleaseNote> notes) {
    if (notes.isEmpty()) {
      return;
    }
    out.append('\n').append(title).append(":\n");
    for (ReleaseNote note : notes) {
      String[] lines = note.text().split("\n");
      out.append("  [").append(note.release()).append("] - ").append(lines[0]).append('\n');
      for (int i = 1; i < lines.length; i++) {
        out.append("      ").append(lines[i]).append('\n');
      }
    }
  }
}
