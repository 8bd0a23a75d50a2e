package org.fleetupgrade.promotion;

import java.time.Duration;
import java.util.Objects;

/**
 * The gate after a stage: how long it soaks at least, and how it is then promoted to the next
 * stage. The health of the soaked stage is always re-verified before promoting.
 */
public record PromotionPolicy(Duration soak, PromotionMode mode, WeeklyWindow window) {

  public PromotionPolicy {
    Objects.requireNonNull(soak, "soak");
    Objects.requireNonNull(mode, "mode");
    if (soak.isNegative()) {
      throw new IllegalArgumentException("soak must not be negative");
    }
    if (mode == PromotionMode.WINDOW && window == null) {
      throw new IllegalArgumentException("promotion mode window needs a window");
    }
  }

  public static PromotionPolicy auto(Duration soak) {
    return new PromotionPolicy(soak, PromotionMode.AUTO, null);
  }
}
