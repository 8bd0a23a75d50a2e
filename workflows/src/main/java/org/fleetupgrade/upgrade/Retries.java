package org.fleetupgrade.upgrade;

import io.temporal.common.RetryOptions;
import java.time.Duration;

/** Retry policies shared by more than one workflow. */
public final class Retries {

  private Retries() {}

  /**
   * For short reads the upgrade and the weekly promotion make (inventory, changelog, health): five
   * attempts within about a quarter of a minute, so a passing blip is absorbed and a real outage
   * reaches the operator as a blocked step, not as minutes of silence.
   */
  public static final RetryOptions SHORT_READS = RetryOptions.newBuilder()
      .setInitialInterval(Duration.ofSeconds(1))
      .setBackoffCoefficient(2)
      .setMaximumInterval(Duration.ofMinutes(1))
      .setMaximumAttempts(5)
      .build();
}
