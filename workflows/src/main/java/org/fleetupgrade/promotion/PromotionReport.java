package org.fleetupgrade.promotion;

import java.util.List;

/** The weekly promotion's result: one outcome per upgrade it found waiting (none: nothing waited). */
public record PromotionReport(List<PromotionOutcome> outcomes) {

  public PromotionReport {
    outcomes = List.copyOf(outcomes);
  }

  public long promoted() {
    return outcomes.stream().filter(PromotionOutcome::promoted).count();
  }
}
