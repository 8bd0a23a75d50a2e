package org.fleetupgrade.promotion;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Objects;

/**
 * A weekly promotion window in UTC, e.g. Tuesday 15:00 for 4 hours. Pure: the workflow passes
 * workflow time in, so the calculation replays identically.
 */
public record WeeklyWindow(DayOfWeek day, LocalTime opens, Duration length) {

  public WeeklyWindow {
    Objects.requireNonNull(day, "day");
    Objects.requireNonNull(opens, "opens");
    Objects.requireNonNull(length, "length");
    if (length.isNegative() || length.isZero() || length.compareTo(Duration.ofDays(7)) >= 0) {
      throw new IllegalArgumentException("window length must be more than 0 and less than 7 days");
    }
  }

  /** The instant the window is open at or after {@code now}: {@code now} itself when inside a window. */
  public Instant nextOpening(Instant now) {
    ZonedDateTime at = now.atZone(ZoneOffset.UTC);
    ZonedDateTime thisWeek = at.with(TemporalAdjusters.previousOrSame(day)).with(opens);
    if (thisWeek.isAfter(at)) {
      thisWeek = thisWeek.minusWeeks(1);
    }
    if (!at.isBefore(thisWeek) && at.isBefore(thisWeek.plus(length))) {
      return now;
    }
    ZonedDateTime next = thisWeek.plusWeeks(1);
    return next.toInstant();
  }

  @Override
  public String toString() {
    return day.getDisplayName(TextStyle.SHORT, Locale.ROOT) + " " + opens + " UTC for " + org.fleetupgrade.status.Text.duration(length);
  }
}
