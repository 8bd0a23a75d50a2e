package org.fleetupgrade.metrics;

import com.uber.m3.tally.Scope;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * The upgrade's own counters and timers, emitted from workflow code through the SDK's metrics scope
 * ({@link Workflow#getMetricsScope()}). That scope emits nothing while a workflow replays, so a
 * history replayed on another worker (after a crash, or out of the cache) counts nothing twice; and
 * a metric is no command, so adding one changes no history and needs no {@code Workflow.getVersion}.
 *
 * <p>The worker turns them into Prometheus metrics (a timer becomes {@code NAME_seconds_count},
 * {@code _sum}, {@code _max} and buckets; a counter {@code NAME_total}), beside the SDK's own
 * labels {@code namespace}, {@code task_queue} and {@code workflow_type}. Labels are few and
 * bounded: the upgrade (its target version), the stage, and a kind (a step kind, a gate phase, a
 * node's fate, an outcome), never a member's or a node's name.
 *
 * <p>These are counted where the work ran, on one worker replica each: sum them across replicas.
 * Where an upgrade stands (state, nodes at target) is a gauge the worker reads from Temporal instead
 * (see the worker's {@code UpgradeGauges}).
 */
public final class UpgradeMetrics {

  /** Timer: a step from its start to its end, retries and time BLOCKED included. */
  public static final String STEP_DURATION = "fleet_upgrade_step_duration";
  /** Counter: a step that failed after its retries and blocked its stage. */
  public static final String STEPS_BLOCKED = "fleet_upgrade_steps_blocked";
  /** Timer: a promotion gate's phase (soak, approval, window, acknowledge) from its start to its end. */
  public static final String GATE_WAIT = "fleet_upgrade_gate_wait";
  /** Timer: a platform node from its cordon to back at the target (or given up), per fate. */
  public static final String NODE_REBOOT_DURATION = "fleet_upgrade_node_reboot_duration";

  public static final String UPGRADE = "upgrade";
  public static final String STAGE = "stage";
  public static final String STEP = "step";
  public static final String OUTCOME = "outcome";
  public static final String PHASE = "phase";
  public static final String FATE = "fate";

  /** The stage label of what concerns the whole upgrade: the changelog review and its acknowledgement. */
  public static final String FLEET = "fleet";

  /** How a step ended. */
  public enum Outcome {
    DONE, SKIPPED, ABORTED;

    String label() {
      return name().toLowerCase();
    }
  }

  private UpgradeMetrics() {}

  /**
   * A step's kind: its name up to the first colon, so {@code drain:api-platform-cluster-us-east1-b}
   * counts as {@code drain} and no member name becomes a label.
   */
  public static String stepKind(String step) {
    int colon = step.indexOf(':');
    return colon < 0 ? step : step.substring(0, colon);
  }

  /** What a step names after its kind: a stage ({@code stage:production}), a member, or nothing. */
  public static String stepSubject(String step) {
    int colon = step.indexOf(':');
    return colon < 0 ? null : step.substring(colon + 1);
  }

  public static void stepEnded(String upgrade, String stage, String step, Outcome outcome, long millis) {
    scope(Map.of(UPGRADE, upgrade, STAGE, stage, STEP, stepKind(step), OUTCOME, outcome.label()))
        .timer(STEP_DURATION).record(com.uber.m3.util.Duration.ofMillis(Math.max(0, millis)));
  }

  public static void stepBlocked(String upgrade, String stage, String step) {
    scope(Map.of(UPGRADE, upgrade, STAGE, stage, STEP, stepKind(step))).counter(STEPS_BLOCKED).inc(1);
  }

  public static void gateWaited(String upgrade, String stage, String phase, long millis) {
    scope(Map.of(UPGRADE, upgrade, STAGE, stage, PHASE, phase))
        .timer(GATE_WAIT).record(com.uber.m3.util.Duration.ofMillis(Math.max(0, millis)));
  }

  public static void nodeRebootEnded(String upgrade, String stage, String fate, long seconds) {
    scope(Map.of(UPGRADE, upgrade, STAGE, stage, FATE, fate))
        .timer(NODE_REBOOT_DURATION).record(com.uber.m3.util.Duration.ofSeconds(Math.max(0, seconds)));
  }

  private static Scope scope(Map<String, String> tags) {
    return Workflow.getMetricsScope().tagged(tags);
  }
}
