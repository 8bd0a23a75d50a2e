package org.fleetupgrade.promotion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;

class WeeklyWindowTest {

  private final WeeklyWindow tuesday = new WeeklyWindow(DayOfWeek.TUESDAY, LocalTime.of(15, 0), Duration.ofHours(4));

  @Test
  void beforeTheWindowOnItsDayWaitsForItsOpening() {
    assertThat(tuesday.nextOpening(Instant.parse("2026-12-01T09:00:00Z"))).isEqualTo(Instant.parse("2026-12-01T15:00:00Z"));
  }

  @Test
  void insideTheWindowPromotesNow() {
    Instant inside = Instant.parse("2026-12-01T16:30:00Z");
    assertThat(tuesday.nextOpening(inside)).isEqualTo(inside);
    assertThat(tuesday.nextOpening(Instant.parse("2026-12-01T15:00:00Z"))).isEqualTo(Instant.parse("2026-12-01T15:00:00Z"));
  }

  @Test
  void afterTheWindowWaitsAWeek() {
    assertThat(tuesday.nextOpening(Instant.parse("2026-12-01T19:00:00Z"))).isEqualTo(Instant.parse("2026-12-08T15:00:00Z"));
    assertThat(tuesday.nextOpening(Instant.parse("2026-11-25T10:00:00Z"))).isEqualTo(Instant.parse("2026-12-01T15:00:00Z"));
  }

  @Test
  void policyRejectsNegativeSoakAndWindowModeWithoutAWindow() {
    assertThatThrownBy(() -> PromotionPolicy.auto(Duration.ofDays(-1))).hasMessage("soak must not be negative");
    assertThatThrownBy(() -> new PromotionPolicy(Duration.ZERO, PromotionMode.WINDOW, null))
        .hasMessage("promotion mode window needs a window");
  }
}
