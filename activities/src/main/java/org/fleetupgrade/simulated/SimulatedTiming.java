package org.fleetupgrade.simulated;

import java.time.Duration;

/**
 * How long each simulated step takes in wall time. The demo scales these down so a whole staged
 * upgrade of 600+ nodes runs in seconds; tests set them to zero.
 */
public record SimulatedTiming(
    Duration drain, Duration memberUpgrade, Duration nodeTooling, Duration imageBuild, Duration nodeReboot) {

  public static final SimulatedTiming INSTANT =
      new SimulatedTiming(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
}
