package org.fleetupgrade.simulated;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.fleetupgrade.alerts.AlertActivities;
import org.fleetupgrade.alerts.AlertCheck;
import org.fleetupgrade.alerts.FiringAlert;

/**
 * The simulated fleet's alerts: none, unless something fires one on a stage ({@link #fire}) until
 * it resolves ({@link #resolve}), or makes its endpoint unreadable ({@link #unavailable}). Every
 * simulated alert blocks (the matchers belong to a real stage's Prometheus).
 */
public final class SimulatedAlerts implements AlertActivities {

  private final Map<String, AlertCheck> byStage = new ConcurrentHashMap<>();
  private final Map<String, Integer> checks = new ConcurrentHashMap<>();

  @Override
  public AlertCheck firing(String stage) {
    checks.merge(stage, 1, Integer::sum);
    return byStage.getOrDefault(stage, AlertCheck.none());
  }

  /** {@code alerts} fire on {@code stage} from now on, every one blocking. */
  public void fire(String stage, FiringAlert... alerts) {
    byStage.put(stage, new AlertCheck(alerts.length, alerts.length, List.of(alerts), null, false));
  }

  public void resolve(String stage) {
    byStage.remove(stage);
  }

  /** The stage's endpoint cannot be read, for {@code reason}; {@code proceed}: its config says go ahead. */
  public void unavailable(String stage, String reason, boolean proceed) {
    byStage.put(stage, AlertCheck.unavailable(reason, proceed));
  }

  /** How many times {@code stage}'s alerts were asked for. */
  public int checks(String stage) {
    return checks.getOrDefault(stage, 0);
  }
}
