package org.fleetupgrade.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.activity.ActivityOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ActivityLivenessTest {

  private static final ActivityOptions SHORT_STEP =
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(2)).build();
  private static final ActivityOptions HEARTBEATING =
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(45)).setHeartbeatTimeout(Duration.ofMinutes(2))
          .build();

  @Test
  void withoutABoundEveryStepKeepsItsOwnTimeouts() {
    assertThat(ActivityLiveness.bounded(SHORT_STEP, null)).isSameAs(SHORT_STEP);
    assertThat(ActivityLiveness.bounded(HEARTBEATING, null)).isSameAs(HEARTBEATING);
  }

  @Test
  void aBoundShortensTheHeartbeatTimeoutAndGivesOneToStepsWithout() {
    ActivityOptions bounded = ActivityLiveness.bounded(HEARTBEATING, Duration.ofSeconds(5));
    assertThat(bounded.getHeartbeatTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(bounded.getStartToCloseTimeout()).isEqualTo(Duration.ofMinutes(45));
    assertThat(ActivityLiveness.bounded(SHORT_STEP, Duration.ofSeconds(5)).getHeartbeatTimeout())
        .isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aBoundNeverLengthensAShorterHeartbeatTimeout() {
    ActivityOptions tight = ActivityOptions.newBuilder(HEARTBEATING).setHeartbeatTimeout(Duration.ofSeconds(3)).build();
    assertThat(ActivityLiveness.bounded(tight, Duration.ofSeconds(5)).getHeartbeatTimeout())
        .isEqualTo(Duration.ofSeconds(3));
  }
}
