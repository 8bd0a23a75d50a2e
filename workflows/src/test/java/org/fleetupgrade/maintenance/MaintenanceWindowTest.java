package org.fleetupgrade.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaintenanceWindowTest {

  private static final List<DayOfWeek> WEEKDAYS = List.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY,
      DayOfWeek.THURSDAY, DayOfWeek.FRIDAY);

  /** Weekdays 09:00-17:00 in New York, not on Christmas Eve 2026 (a Thursday). */
  private static final MaintenanceWindow NEW_YORK = new MaintenanceWindow(WEEKDAYS, LocalTime.of(9, 0),
      LocalTime.of(17, 0), "America/New_York", List.of(LocalDate.of(2026, 12, 24)));

  @Test
  void openOnWeekdaysWithinTheHoursInItsOwnZone() {
    // Tuesday 2026-12-01: 09:00 EST is 14:00 UTC
    assertThat(NEW_YORK.isOpen(Instant.parse("2026-12-01T13:59:59Z"))).isFalse();
    assertThat(NEW_YORK.isOpen(Instant.parse("2026-12-01T14:00:00Z"))).isTrue();
    assertThat(NEW_YORK.isOpen(Instant.parse("2026-12-01T21:59:59Z"))).isTrue();
    assertThat(NEW_YORK.isOpen(Instant.parse("2026-12-01T22:00:00Z"))).as("closes at 17:00").isFalse();
    assertThat(NEW_YORK.nextOpening(Instant.parse("2026-12-01T15:00:00Z"))).isEqualTo(Instant.parse("2026-12-01T15:00:00Z"));
    assertThat(NEW_YORK.closesAfter(Instant.parse("2026-12-01T15:00:00Z"))).isEqualTo(Instant.parse("2026-12-01T22:00:00Z"));
  }

  @Test
  void aSaturdayWaitsForMonday0900Local() {
    assertThat(NEW_YORK.nextOpening(Instant.parse("2026-11-28T12:00:00Z")))
        .isEqualTo(Instant.parse("2026-11-30T14:00:00Z"));
    // Friday after closing: Monday too
    assertThat(NEW_YORK.nextOpening(Instant.parse("2026-12-04T23:00:00Z")))
        .isEqualTo(Instant.parse("2026-12-07T14:00:00Z"));
  }

  @Test
  void anExcludedDateIsSkipped() {
    // Wednesday 23rd after closing: not Thursday 24th (excluded), Friday 25th
    assertThat(NEW_YORK.isOpen(Instant.parse("2026-12-24T15:00:00Z"))).isFalse();
    assertThat(NEW_YORK.nextOpening(Instant.parse("2026-12-23T23:00:00Z")))
        .isEqualTo(Instant.parse("2026-12-25T14:00:00Z"));
  }

  @Test
  void daylightSavingTimeMovesTheOpeningInUtc() {
    // Monday 2027-03-15, after the switch to EDT on 2027-03-14: 09:00 EDT is 13:00 UTC
    assertThat(NEW_YORK.nextOpening(Instant.parse("2027-03-13T12:00:00Z"))).isEqualTo(Instant.parse("2027-03-15T13:00:00Z"));
  }

  @Test
  void aWindowThatCannotExistIsRefused() {
    assertThatThrownBy(() -> new MaintenanceWindow(List.of(), LocalTime.of(9, 0), LocalTime.of(17, 0), "UTC", List.of()))
        .hasMessage("a maintenance window needs at least one day");
    assertThatThrownBy(() -> new MaintenanceWindow(WEEKDAYS, LocalTime.of(17, 0), LocalTime.of(9, 0), "UTC", List.of()))
        .hasMessage("a maintenance window must open (17:00) before it closes (09:00) on the same day");
    assertThatThrownBy(() -> new MaintenanceWindow(WEEKDAYS, LocalTime.of(9, 0), LocalTime.of(17, 0), "Mars/Olympus",
        List.of())).hasMessage("'Mars/Olympus' is not a time zone (e.g. UTC, America/New_York)");
    assertThat(NEW_YORK).hasToString("Mon,Tue,Wed,Thu,Fri 09:00-17:00 America/New_York except 2026-12-24");
  }
}
