package org.fleetupgrade.worker.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.StageImages;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.GateStatus;
import org.fleetupgrade.status.MemberStatus;
import org.fleetupgrade.status.NodeConvergence;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.status.Text;
import org.fleetupgrade.status.TimelineEntry;
import org.fleetupgrade.worker.cli.PendingSteps.PendingStep;

/** The human view of a status snapshot: stages, progress bars, the gate and its deadline, what blocks. */
final class StatusTable {

  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  private static final int BAR = 20;

  private StatusTable() {}

  static String render(FleetStatus s, Instant now, int events) {
    return render(s, List.of(), now, events, "");
  }

  /**
   * @param pending what Temporal runs for the upgrade now ({@link PendingSteps}), retrying first
   * @param connection what every printed command carries to reach the same server ({@link Hints#connection})
   */
  static String render(FleetStatus s, List<PendingStep> pending, Instant now, int events, String connection) {
    StringBuilder out = new StringBuilder();
    out.append(s.upgradeId()).append("  ").append(s.target()).append('\n');
    out.append("state: ").append(s.state()).append(s.currentStage() == null ? "" : " (" + s.currentStage() + ")")
        .append(s.paused() ? "  [paused]" : "").append("\n\n");
    out.append(String.format("%-12s %-18s %-44s %s%n", "STAGE", "STATE", "STEP", "NODES AT TARGET"));
    for (StageStatus stage : s.stages()) {
      out.append(String.format("%-12s %-18s %-44s %s%n", stage.name(), stage.state(),
          stage.step() == null ? "" : truncate(stage.step(), 44), bar(stage.nodes())));
    }
    StageStatus current = s.currentStage() == null ? null : s.stage(s.currentStage());
    if (current != null && !current.members().isEmpty() && !current.state().finished()) {
      out.append("\ncontrol plane of ").append(current.name()).append(":\n");
      for (MemberStatus m : current.members()) {
        out.append(String.format("  %-44s %-12s %-12s %s%n", m.name(), m.zone(), m.phase(), m.mode() == null ? "" : m.mode()));
      }
    }
    for (StageStatus stage : s.stages()) {
      String images = images(stage.images());
      if (images != null) {
        out.append("\nimages of ").append(stage.name()).append(": ").append(images).append('\n');
      }
    }
    for (StageStatus stage : s.stages()) {
      alerts(out, stage.name(), stage.alerts());
    }
    GateStatus gate = s.gate();
    if (gate != null) {
      out.append("\ngate: ").append(gate.stage()).append(" -> ").append(gate.next()).append("  ").append(gate.phase());
      if (gate.until() != null) {
        out.append(" until ").append(TIME.format(gate.until())).append(" (").append(relative(now, gate.until())).append(')');
      }
      out.append("\n      ").append(gateHint(s, gate, connection)).append('\n');
      if (gate.phase() == GatePhase.WAITING_ACKNOWLEDGEMENT && s.review() != null) {
        out.append("\nchangelog review (").append(s.review().summary()).append("):\n");
        s.review().urgentNotes().forEach(n -> out.append("  urgent [").append(n.release()).append("] ")
            .append(n.text().lines().findFirst().orElse("")).append('\n'));
        s.review().warnings().forEach(w -> out.append("  warning: ").append(w).append('\n'));
      }
    }
    if (s.blockedStep() != null) {
      out.append("\nBLOCKED at ").append(s.blockedStep()).append(": ").append(s.lastError()).append('\n');
      out.append("  ").append(Hints.command("retry " + s.upgradeId(), connection)).append('\n');
      out.append("  ").append(Hints.command("skip " + s.upgradeId() + " " + s.blockedStep() + " --reason \"...\"",
          connection)).append('\n');
      out.append("  ").append(Hints.command("abort " + s.upgradeId() + " --reason \"...\"", connection)).append('\n');
    } else if (s.lastError() != null) {
      out.append("\nlast error, its step being retried: ").append(s.lastError()).append('\n');
    }
    out.append(pending(pending, now));
    for (StageStatus stage : s.stages()) {
      stage.skipped().forEach(k -> out.append("skipped ").append(stage.name()).append('/').append(k.step())
          .append(": ").append(k.reason()).append('\n'));
    }
    List<TimelineEntry> timeline = s.timeline();
    if (events > 0 && !timeline.isEmpty()) {
      out.append("\nlast events:\n");
      timeline.subList(Math.max(0, timeline.size() - events), timeline.size()).forEach(e -> out.append(event(e)).append('\n'));
    }
    return out.toString();
  }

  /** What a stage's alert gate waits on: each blocking alert, its labels and since when; or the unreadable endpoint. */
  static void alerts(StringBuilder out, String stage, org.fleetupgrade.alerts.AlertCheck check) {
    if (check == null) {
      return;
    }
    if (check.unavailable() != null) {
      out.append('\n').append(stage).append(" waits: the alert endpoint cannot be read: ").append(check.unavailable())
          .append('\n');
      return;
    }
    out.append('\n').append(stage).append(" waits on ").append(check.blocking()).append(" blocking alert")
        .append(check.blocking() == 1 ? "" : "s").append(" (").append(check.firing()).append(" firing):\n");
    check.alerts().forEach(a -> out.append("  ").append(a).append('\n'));
    if (check.blocking() > check.alerts().size()) {
      out.append("  ... and ").append(check.blocking() - check.alerts().size()).append(" more\n");
    }
  }

  /**
   * The gate's commands, made here so they carry the connection: the workflow's detail names them
   * without it (and cannot know it). Other gates: the workflow's detail as it is.
   */
  static String gateHint(FleetStatus s, GateStatus gate, String connection) {
    if (gate.phase() == GatePhase.WAITING_APPROVAL) {
      return "approve with: " + Hints.command("approve " + s.upgradeId() + " " + gate.stage() + " --reason \"...\"",
          connection);
    }
    if (gate.phase() == GatePhase.WAITING_ACKNOWLEDGEMENT) {
      return "read the changelog review" + (s.review() == null ? " (fleet-upgrade review)" : " below") + ", then: "
          + Hints.command("acknowledge " + s.upgradeId() + " --reason \"...\"", connection);
    }
    return gate.detail();
  }

  /**
   * What Temporal runs now, retrying first, at most {@link PendingSteps#SHOWN}: e.g. "sandbox
   * verify:api-...: attempt 4 of 15 since 10:02:11 UTC (11m); next attempt in 40s" and its last failure.
   */
  static String pending(List<PendingStep> pending, Instant now) {
    if (pending.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder("\nrunning now:\n");
    for (PendingStep p : pending.subList(0, Math.min(PendingSteps.SHOWN, pending.size()))) {
      out.append(String.format("  %-11s %s: ", p.stage() == null ? "(fleet)" : p.stage(), p.label()));
      out.append(p.retrying() ? "attempt " + p.attempt() + (p.maximumAttempts() > 0 ? " of " + p.maximumAttempts() : "")
          : "SCHEDULED".equals(p.state()) ? "scheduled" : "running");
      Instant since = p.since() != null ? p.since() : p.retrying() ? null
          : p.lastStarted() != null ? p.lastStarted() : p.scheduled();
      if (since != null) {
        out.append(" since ").append(clock(now, since)).append(" (").append(Text.roughly(Duration.between(since, now)))
            .append(')');
      }
      // The test server says STARTED between attempts too: the last start is what both servers mean.
      if (p.retrying() && "SCHEDULED".equals(p.state())) {
        out.append("; waiting to retry");
      } else if (p.retrying() && p.lastStarted() != null) {
        out.append("; last attempt started ").append(clock(now, p.lastStarted()));
      }
      if (p.nextAttempt() != null) {
        out.append("; next attempt ").append(p.nextAttempt().isAfter(now) ? relative(now, p.nextAttempt()) : "due now");
      }
      out.append('\n');
      if (p.lastFailure() != null) {
        out.append(String.format("  %-11s   last failure: %s%n", "", p.lastFailure()));
      }
    }
    if (pending.size() > PendingSteps.SHOWN) {
      out.append("  ... and ").append(Text.count(pending.size() - PendingSteps.SHOWN, "more activity", "more activities"))
          .append(" (status --json lists ").append(PendingSteps.KEPT).append(")\n");
    }
    return out.toString();
  }

  /** "10:02:11 UTC" on the same (UTC) day as {@code now}, else the date too. */
  static String clock(Instant now, Instant then) {
    return now.atZone(ZoneOffset.UTC).toLocalDate().equals(then.atZone(ZoneOffset.UTC).toLocalDate())
        ? CLOCK.format(then) : TIME.format(then);
  }

  /** The ref and commit pushed with its diff, the build with its log, the hosts pointed. */
  static String images(StageImages images) {
    if (images == null || images.release() == null) {
      return null;
    }
    ImageRelease r = images.release();
    StringBuilder line = new StringBuilder(r.ref()).append(" at ").append(r.shortCommit()).append(" (")
        .append(r.describeChanges()).append(r.reused() ? "; already pushed" : "").append(')');
    ImageBuild b = images.build();
    if (b != null) {
      line.append("\n  built ").append(b.imagesVersion()).append(" by ").append(b.buildId())
          .append(b.logUrl() == null ? "" : "  " + b.logUrl());
    }
    if (images.hosts() != null) {
      line.append("\n  ").append(images.hosts().summary());
    }
    return line.toString();
  }

  /** The rolling reboot in progress: counts, the nodes in flight (longest first, at most 10), failures, ETA. */
  static String rollout(String stage, RolloutProgress p, Instant now) {
    StringBuilder out = new StringBuilder("\nrolling reboot of ").append(stage).append(": ").append(p.summary())
        .append('\n');
    if (p.meanRebootSeconds() > 0) {
      out.append("  a reboot takes ").append(Text.roughly(Duration.ofSeconds(p.meanRebootSeconds()))).append(" on average")
          .append(p.eta() == null ? "" : "; done around " + TIME.format(p.eta()) + " (" + relative(now, p.eta()) + ")")
          .append(p.slowest() == null ? "" : "; " + p.slowestLine()).append('\n');
    }
    if (p.waitingFor() != null) {
      out.append("  ").append(p.waitingFor()).append('\n');
    }
    p.longestInFlight(RolloutProgress.NAMED).forEach(n -> out.append(String.format("  %-48s %-8s for %s%n", n.node(), n.site(),
            Text.roughly(Duration.between(n.since(), now)))));
    if (!p.failedNodes().isEmpty()) {
      out.append("  failed (left cordoned): ").append(String.join(", ", p.failedNodes().subList(0,
          Math.min(10, p.failedNodes().size())))).append(p.failed() > Math.min(10, p.failedNodes().size()) ? ", ..." : "")
          .append('\n');
    }
    if (!p.excludedSample().isEmpty()) {
      out.append("  left alone: ").append(String.join(", ", p.excludedSample()))
          .append(p.excludedSample().size() < p.skipped() ? ", ..." : "").append('\n');
    }
    return out.toString();
  }

  static String event(TimelineEntry e) {
    return "  " + TIME.format(e.at()) + "  " + String.format("%-11s", e.stage() == null ? "" : e.stage()) + " " + e.event();
  }

  static String bar(NodeConvergence n) {
    if (n.total() == 0) {
      return "";
    }
    int filled = (int) ((long) BAR * n.atTarget() / n.total());
    return "[" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] " + n + " " + n.percent() + "%";
  }

  /** "in 6d23h" or "12m ago": how far a deadline is from now, roughly (the time itself is printed beside it). */
  static String relative(Instant now, Instant then) {
    Duration d = Duration.between(now, then);
    String text = Text.roughly(d.abs());
    return d.isNegative() ? text + " ago" : "in " + text;
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
