package org.fleetupgrade.upgrade;

import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.changelog.ReleaseNote;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.StageImages;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GateStatus;
import org.fleetupgrade.status.MemberStatus;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.status.Text;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Renders a snapshot as the Markdown the Temporal web UI shows as a workflow's current details. */
public final class StatusMarkdown {

  private StatusMarkdown() {}

  public static String fleet(FleetStatus status, String lastEvent) {
    StringBuilder md = new StringBuilder();
    md.append("## Upgrade to ").append(status.target().kubernetes()).append(": **").append(status.state()).append("**\n\n");
    md.append("CNI ").append(status.target().cni()).append(", crictl ").append(status.target().crictl()).append("\n\n");
    md.append("| stage | state | step | nodes at target |\n|---|---|---|---|\n");
    for (StageStatus s : status.stages()) {
      md.append("| ").append(s.name()).append(" | ").append(s.state()).append(" | ")
          .append(s.step() == null ? "" : s.step()).append(" | ").append(s.nodes()).append(" |\n");
    }
    for (StageStatus s : status.stages()) {
      String images = images(s.images());
      if (images != null) {
        md.append("\n**Images** of ").append(s.name()).append(": ").append(images).append('\n');
      }
    }
    for (StageStatus s : status.stages()) {
      if (s.reboot() != null && !s.state().finished()) {
        md.append("\n**Rolling reboot** of ").append(s.name()).append(": ").append(s.reboot().summary()).append('\n');
      }
    }
    GateStatus gate = status.gate();
    if (gate != null) {
      md.append("\n**Gate** ").append(gate.stage()).append(" -> ").append(gate.next()).append(": ")
          .append(gate.phase()).append(gate.until() == null ? "" : " until " + gate.until())
          .append(" (").append(commands(gate.detail())).append(")\n");
    }
    if (status.blockedStep() != null) {
      md.append("\n**Blocked** at `").append(status.blockedStep()).append("`: ").append(status.lastError())
          .append("\n\nretry, skip (with a reason) or abort.\n");
    }
    review(md, status.review());
    md.append("\nLast: ").append(commands(lastEvent)).append('\n');
    return md.toString();
  }

  /** A command to run, as in {@code approve with: fleet-upgrade approve ID sandbox --reason ...}. */
  private static final Pattern COMMAND = Pattern.compile("fleet-upgrade [a-z]+ [^)`\n]*[^)`\n ]");

  /**
   * The commands in {@code text} as code: the web UI's Markdown typography would turn {@code --reason}
   * into an en dash and {@code ...} into an ellipsis, and a command copied from there would fail.
   */
  static String commands(String text) {
    return text == null ? null : COMMAND.matcher(text).replaceAll(m -> "`" + Matcher.quoteReplacement(m.group()) + "`");
  }

  /** The review's summary, and what must be read: urgent notes and warnings, first lines only. */
  private static void review(StringBuilder md, ChangelogReview review) {
    if (review == null) {
      return;
    }
    md.append("\n**Changelog review** (").append(review.source()).append("): ").append(review.summary()).append('\n');
    for (ReleaseNote note : review.urgentNotes()) {
      md.append("\n- urgent [").append(note.release()).append("] ")
          .append(note.text().lines().findFirst().orElse("")).append('\n');
    }
    review.warnings().forEach(w -> md.append("\n- warning: ").append(w).append('\n'));
  }

  /** One line: the ref and commit pushed with the version diff, the build, the hosts pointed. */
  public static String images(StageImages images) {
    if (images == null || images.release() == null) {
      return null;
    }
    ImageRelease r = images.release();
    StringBuilder line = new StringBuilder("`").append(r.ref()).append("` at `").append(r.shortCommit()).append("` (")
        .append(r.describeChanges()).append(r.reused() ? "; already pushed" : "").append(')');
    ImageBuild b = images.build();
    if (b != null) {
      line.append("; built ").append(b.imagesVersion()).append(" by ").append(b.buildId());
      if (b.logUrl() != null) {
        line.append(" ([log](").append(b.logUrl()).append("))");
      }
    }
    if (images.hosts() != null) {
      line.append("; ").append(images.hosts().summary());
    }
    return line.toString();
  }

  /** The rolling reboot: counts, ETA, slowest, what it waits for, the nodes longest in flight, failures. */
  private static void rollout(StringBuilder md, RolloutProgress p) {
    if (p == null) {
      return;
    }
    md.append("\n**Rolling reboot**: ").append(p.summary()).append('\n');
    if (p.meanRebootSeconds() > 0) {
      md.append("\nA reboot takes ").append(Text.roughly(java.time.Duration.ofSeconds(p.meanRebootSeconds())))
          .append(" on average")
          .append(p.eta() == null ? "" : "; done around " + p.eta()).append(p.slowest() == null ? "" : "; "
              + p.slowestLine()).append('\n');
    }
    if (p.waitingFor() != null) {
      md.append("\nWaiting: ").append(p.waitingFor()).append('\n');
    }
    if (!p.nodesInFlight().isEmpty()) {
      md.append("\n| in flight (longest first) | site | since |\n|---|---|---|\n");
      p.longestInFlight(RolloutProgress.NAMED).forEach(n -> md.append("| ").append(n.node()).append(" | ")
          .append(n.site()).append(" | ").append(n.since()).append(" |\n"));
    }
    if (!p.failedNodes().isEmpty()) {
      md.append("\nFailed (left cordoned): ").append(String.join(", ", p.failedNodes()))
          .append(p.failed() > p.failedNodes().size() ? ", ..." : "").append('\n');
    }
    if (!p.excludedSample().isEmpty()) {
      md.append("\nLeft alone: ").append(String.join(", ", p.excludedSample()))
          .append(p.skipped() > p.excludedSample().size() ? ", ..." : "").append('\n');
    }
  }

  /** What the alert gate waits on: each blocking alert (name, labels, since when), or why the endpoint cannot be read. */
  static void alerts(StringBuilder md, org.fleetupgrade.alerts.AlertCheck check) {
    if (check == null) {
      return;
    }
    if (check.unavailable() != null) {
      md.append("\n**Waiting**: the alert endpoint cannot be read: ").append(check.unavailable()).append('\n');
      return;
    }
    md.append("\n**Waiting on alerts** (").append(check.blocking()).append(" blocking, ").append(check.firing())
        .append(" firing):\n\n| alert | labels | since |\n|---|---|---|\n");
    check.alerts().forEach(a -> md.append("| ").append(a.name()).append(" | ").append(a.labels() == null ? ""
        : a.labels().replace("|", "\\|")).append(" | ").append(a.activeAt() == null ? "" : a.activeAt()).append(" |\n"));
    if (check.blocking() > check.alerts().size()) {
      md.append("\n... and ").append(check.blocking() - check.alerts().size()).append(" more\n");
    }
  }

  public static String stage(StageStatus status, String lastEvent) {
    StringBuilder md = new StringBuilder();
    md.append("## Stage ").append(status.name()).append(": **").append(status.state()).append("**\n\n");
    if (status.step() != null) {
      md.append("Step: `").append(status.step()).append("`\n\n");
    }
    if (!status.members().isEmpty()) {
      md.append("| member | zone | phase | mode |\n|---|---|---|---|\n");
      for (MemberStatus m : status.members()) {
        md.append("| ").append(m.name()).append(" | ").append(m.zone()).append(" | ").append(m.phase())
            .append(" | ").append(m.mode() == null ? "" : m.mode()).append(" |\n");
      }
    }
    String images = images(status.images());
    if (images != null) {
      md.append("\n**Images**: ").append(images).append('\n');
    }
    md.append("\nNodes at target: ").append(status.nodes()).append('\n');
    rollout(md, status.reboot());
    alerts(md, status.alerts());
    if (status.blockedStep() != null) {
      md.append("\n**Blocked** at `").append(status.blockedStep()).append("`: ").append(status.lastError()).append('\n');
    }
    md.append("\nLast: ").append(commands(lastEvent)).append('\n');
    return md.toString();
  }
}
