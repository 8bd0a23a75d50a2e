package org.fleetupgrade.reboot.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When a rebooting node is looked at next. */
class NodeLookTest {

  @Test
  void withoutAKnownRebootTimeLooksBackOffToAMinute() {
    assertThat(NodeRebootWorkflowImpl.nextLook(Duration.ofSeconds(30), Duration.ofSeconds(30), null))
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(NodeRebootWorkflowImpl.nextLook(Duration.ofMinutes(1), Duration.ofMinutes(5), null))
        .isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void aroundTheFastestRebootSoFarTheLookLandsOnItThenComesEveryFifteenSeconds() {
    Duration fastest = Duration.ofMinutes(10);
    // a minute at most while far from it
    assertThat(NodeRebootWorkflowImpl.nextLook(Duration.ofMinutes(1), Duration.ofMinutes(5), fastest))
        .isEqualTo(Duration.ofMinutes(1));
    // lands on it: 9m30s elapsed -> look in 30 s, not in a minute
    assertThat(NodeRebootWorkflowImpl.nextLook(Duration.ofMinutes(1), Duration.ofSeconds(570), fastest))
        .isEqualTo(Duration.ofSeconds(30));
    // from then on every 15 s, up to twice the fastest
    assertThat(NodeRebootWorkflowImpl.nextLook(Duration.ofSeconds(30), Duration.ofMinutes(10), fastest))
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(NodeRebootWorkflowImpl.nextLook(Duration.ofSeconds(15), Duration.ofMinutes(19), fastest))
        .isEqualTo(Duration.ofSeconds(15));
    // then backing off again: a slow node is not polled every 15 s for half an hour
    assertThat(NodeRebootWorkflowImpl.nextLook(Duration.ofSeconds(15), Duration.ofMinutes(20), fastest))
        .isEqualTo(Duration.ofSeconds(30));
  }
}
