package org.fleetupgrade.maintenance;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * When a stage's disruptive steps (a control-plane member's upgrade, a node's reboot) may start:
 * on {@code days}, from {@code opens} to {@code closes} local time in {@code zone}, except on the
 * {@code excluded} dates (a conference week, a holiday). Work in flight when it closes finishes.
 * Pure and computed from the instant given (workflow time), so it replays identically; the zone
 * is kept by name so the payload stays plain.
 */
public record MaintenanceWindow(List<DayOfWeek> days, LocalTime opens, LocalTime closes, String zone,
    List<LocalDate> excluded) {

  /** How far ahead an opening is looked for: a window that never opens within a year is a mistake. */
  static final int LOOKAHEAD_DAYS = 400;

  public MaintenanceWindow {
    days = List.copyOf(days);
    excluded = excluded == null ? List.of() : List.copyOf(excluded);
    Objects.requireNonNull(opens, "opens");
    Objects.requireNonNull(closes, "closes");
    if (days.isEmpty()) {
      throw new IllegalArgumentException("a maintenance window needs at least one day");
    }
    if (!opens.isBefore(closes)) {
      throw new IllegalArgumentException("a maintenance window must open (" + opens + ") before it closes (" + closes
          + ") on the same day");
    }
    try {
      ZoneId.of(zone);
    } catch (DateTimeException | NullPointerException e) {
      throw new IllegalArgumentException("'" + zone + "' is not a time zone (e.g. UTC, America/New_York)");
    }
  }

  private ZoneId zoneId() {
    return ZoneId.of(zone);
  }

  public boolean isOpen(Instant at) {
    ZonedDateTime local = at.atZone(zoneId());
    LocalTime time = local.toLocalTime();
    return days.contains(local.getDayOfWeek()) && !excluded.contains(local.toLocalDate())
        && !time.isBefore(opens) && time.isBefore(closes);
  }

  /** {@code now} when open, else the next instant it opens (never an excluded date). */
  public Instant nextOpening(Instant now) {
    if (isOpen(now)) {
      return now;
    }
    LocalDate today = now.atZone(zoneId()).toLocalDate();
    for (int d = 0; d < LOOKAHEAD_DAYS; d++) {
      LocalDate date = today.plusDays(d);
      if (!days.contains(date.getDayOfWeek()) || excluded.contains(date)) {
        continue;
      }
      // A local time in a daylight-saving gap moves forward, as the zone's rules say.
      Instant opening = date.atTime(opens).atZone(zoneId()).toInstant();
      if (opening.isAfter(now)) {
        return opening;
      }
    }
    throw new IllegalStateException("the maintenance window " + this + " does not open within " + LOOKAHEAD_DAYS
        + " days");
  }

  /** When it closes next after {@code now}, while open; {@code now} when closed. */
  public Instant closesAfter(Instant now) {
    if (!isOpen(now)) {
      return now;
    }
    return now.atZone(zoneId()).toLocalDate().atTime(closes).atZone(zoneId()).toInstant();
  }

  @Override
  public String toString() {
    String dayList = days.stream().map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ROOT)).collect(Collectors.joining(","));
    return dayList + " " + opens + "-" + closes + " " + zone + (excluded.isEmpty() ? ""
        : " except " + excluded.stream().map(LocalDate::toString).collect(Collectors.joining(", ")));
  }
}
