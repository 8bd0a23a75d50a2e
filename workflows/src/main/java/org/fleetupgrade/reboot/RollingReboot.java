package org.fleetupgrade.reboot;

import java.time.Duration;
import java.util.List;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * The input, and the continue-as-new state, of a rolling reboot: the planned waves, where it is,
 * what it counted so far, and where to report progress ({@code progressTo}, a workflow id).
 */
public record RollingReboot(
    String stage,
    ReleaseVersion target,
    Duration waveTimeout,
    List<List<String>> waves,
    int nextWave,
    int rebooted,
    int alreadyAtTarget,
    String progressTo,
    boolean paused) {

  public RollingReboot {
    waves = List.copyOf(waves);
  }

  public int total() {
    return waves.stream().mapToInt(List::size).sum();
  }

  public int done() {
    return rebooted + alreadyAtTarget;
  }
}
