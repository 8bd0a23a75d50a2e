package org.fleetupgrade.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.worker.Poll.await;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.preflight.StageInventory;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.engine.FleetWorker;
import org.fleetupgrade.worker.engine.UpgradeOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The metrics an upgrade leaves in the worker's registry, read as Prometheus reads them (the
 * scrape text), after a two-stage upgrade on the Java test server (time skipping) with a blocked
 * step and a one-day soak: the names, the labels, the values status shows, and no member or node
 * name in any label.
 */
class UpgradeMetricsTest {

  private static final String TASK_QUEUE = "fleet-upgrade-metrics-test";
  private static final String VERSION = "v1.31.2";

  private WorkerMetrics metrics;
  private TestWorkflowEnvironment env;
  private SimulatedFleet fleet;

  @BeforeEach
  void start() {
    metrics = new WorkerMetrics();
    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder()
        .setInitialTime(Instant.parse("2026-11-25T10:00:00Z"))
        .setMetricsScope(metrics.scope());
    SearchAttributes.ALL.forEach(k -> options.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    env = TestWorkflowEnvironment.newInstance(options.build());
    // node-tooling fails once in sandbox, and not in a way retries fix: the stage blocks there.
    fleet = new SimulatedFleet(List.of(stage("sandbox"), stage("production")), SimulatedTiming.INSTANT,
        List.of(new SimulatedFault("node-tooling", "sandbox", null, 1, "injected: tooling mirror down", false)));
    FleetWorker.register(env.getWorkerFactory(), TASK_QUEUE, fleet.activities());
    env.start();
  }

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  @Test
  void anUpgradeLeavesItsMetricsWithBoundedLabelsAndTheGaugesShowItsStatus() throws Exception {
    // Given an upgrade of sandbox then production, a day's soak between them
    WorkflowClient client = env.getWorkflowClient();
    UpgradeRequest request = new UpgradeRequest(TargetVersions.parse(VERSION, "v1.6.2", "v1.31.1"),
        List.of(plan("sandbox", PromotionPolicy.auto(Duration.ofDays(1))), plan("production", PromotionPolicy.auto(Duration.ZERO))));
    FleetUpgradeWorkflow upgrade = client.newWorkflowStub(FleetUpgradeWorkflow.class, UpgradeOptions.of(request, TASK_QUEUE));
    WorkflowClient.start(upgrade::run, request);

    // When its node-tooling step blocks, an operator retries it, and it runs to the end
    awaitState(upgrade, FleetState.BLOCKED);
    upgrade.retry("the mirror is back");
    FleetStatus result = WorkflowStub.fromTyped(upgrade).getResult(60, java.util.concurrent.TimeUnit.SECONDS, FleetStatus.class);
    assertThat(result.state()).isEqualTo(FleetState.COMPLETED);

    // And the worker reads the gauges from Temporal (here the Java test server: no list queries)
    UpgradeGauges gauges = new UpgradeGauges(client, metrics.registry(), Duration.ofMinutes(1));
    gauges.refresh();

    // Then the gauges are what status shows
    String scraped = awaitScrape("fleet_upgrade_node_reboot_duration_seconds_count");
    int productionAtTarget = result.stage("production").nodes().atTarget();
    assertThat(productionAtTarget).isEqualTo(result.stage("production").nodes().total()).isPositive();
    assertThat(value(scraped, "fleet_upgrade_stage_nodes_at_target", "stage=\"production\"", "upgrade=\"" + VERSION + "\""))
        .isEqualTo(productionAtTarget);
    assertThat(value(scraped, "fleet_upgrade_stage_nodes", "stage=\"production\"")).isEqualTo(result.stage("production").nodes().total());
    assertThat(value(scraped, "fleet_upgrade_state", "state=\"COMPLETED\"", "upgrade=\"" + VERSION + "\"")).isEqualTo(1);
    assertThat(value(scraped, "fleet_upgrade_state", "state=\"RUNNING\"")).isZero();
    assertThat(value(scraped, "fleet_upgrade_stage_state", "stage=\"sandbox\"", "state=\"DONE\"")).isEqualTo(1);
    assertThat(value(scraped, "fleet_upgrade_stage_state", "stage=\"sandbox\"", "state=\"BLOCKED\"")).isZero();
    assertThat(value(scraped, "fleet_upgrade_stage_members_upgraded", "stage=\"production\"")).isEqualTo(3);
    assertThat(value(scraped, "fleet_upgrade_stage_members", "stage=\"production\"")).isEqualTo(3);

    // And the workflows' own: steps by kind and outcome, the block, the soak, each node's reboot
    assertThat(value(scraped, "fleet_upgrade_steps_blocked_total", "stage=\"sandbox\"", "step=\"node-tooling\"")).isEqualTo(1);
    assertThat(value(scraped, "fleet_upgrade_step_duration_seconds_count", "stage=\"sandbox\"", "step=\"node-tooling\"",
        "outcome=\"done\"")).isEqualTo(1);
    assertThat(value(scraped, "fleet_upgrade_step_duration_seconds_count", "stage=\"production\"", "step=\"drain\"",
        "outcome=\"done\"")).as("one per member, as one kind").isEqualTo(3);
    assertThat(value(scraped, "fleet_upgrade_step_duration_seconds_count", "stage=\"production\"", "step=\"stage\"",
        "workflow_type=\"FleetUpgradeWorkflow\"")).isEqualTo(1);
    assertThat(value(scraped, "fleet_upgrade_gate_wait_seconds_sum", "stage=\"sandbox\"", "phase=\"SOAKING\""))
        .as("the day's soak, and the moments of the workflow task around it").isBetween(86400.0, 86460.0);
    assertThat(value(scraped, "fleet_upgrade_gate_wait_seconds_bucket", "phase=\"SOAKING\"", "le=\"172800.0\"")).isEqualTo(1);
    assertThat(value(scraped, "fleet_upgrade_gate_wait_seconds_bucket", "phase=\"SOAKING\"", "le=\"21600.0\"")).isZero();
    int productionPlatform = fleet.inventory("production").platformTotal();
    assertThat(value(scraped, "fleet_upgrade_node_reboot_duration_seconds_count", "stage=\"production\"",
        "fate=\"REBOOTED\"")).isEqualTo(productionPlatform);

    // And the SDK's own metrics come through the same registry
    assertThat(scraped).contains("temporal_workflow_completed_total{", "temporal_request_total{");

    // And no label anywhere carries a member's or a node's name
    Set<String> names = new HashSet<>();
    for (String stage : List.of("sandbox", "production")) {
      StageInventory inventory = fleet.inventory(stage);
      inventory.members().forEach(m -> names.add(m.name()));
      inventory.virtualNodes().forEach(names::add);
      fleet.platformNodes(stage).forEach(n -> names.add(n.name()));
    }
    assertThat(names).hasSizeGreaterThan(10);
    Set<String> labelValues = labelValues(scraped);
    assertThat(labelValues).contains("production", VERSION).doesNotContainAnyElementsOf(names);
    assertThat(labelValues).noneMatch(v -> v.startsWith("mlab") || v.startsWith("api-platform-cluster"));
  }

  private static SimulatedStage stage(String name) {
    return new SimulatedStage(name, "mlab-" + name, "us-east1", List.of("b", "c", "d"),
        "api-platform-cluster-{region}-{zone}", ReleaseVersion.parse("v1.30.5"), 3, 2, 1);
  }

  private static StagePlan plan(String name, PromotionPolicy promotion) {
    return new StagePlan(name, "mlab-" + name, "us-east1", List.of("b", "c", "d"), Duration.ofHours(2),
        new RebootBudget(10, 1, Duration.ofMinutes(30)), promotion);
  }

  private static void awaitState(FleetUpgradeWorkflow upgrade, FleetState state) throws InterruptedException {
    await("the upgrade " + state, Duration.ofSeconds(60), upgrade::status, status -> status.state() == state);
  }

  /** The registry's text once the tally scope has reported (every second) what the workflows counted. */
  private String awaitScrape(String expected) throws InterruptedException {
    return await(expected + " scraped", Duration.ofSeconds(20), metrics::scrape, scraped -> scraped.contains(expected));
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** The value of the one sample of {@code name} whose labels include all of {@code labels}. */
  private static double value(String scraped, String name, String... labels) {
    List<Double> values = scraped.lines().map(SAMPLE::matcher).filter(Matcher::matches)
        .filter(m -> m.group(1).equals(name))
        .filter(m -> Stream.of(labels).allMatch(l -> m.group(3) != null && m.group(3).contains(l)))
        .map(m -> Double.parseDouble(m.group(4)))
        .toList();
    assertThat(values).as(name + " " + List.of(labels) + " in:\n" + scraped.lines()
        .filter(l -> l.startsWith(name)).reduce("", (a, b) -> a + b + "\n")).hasSize(1);
    return values.get(0);
  }

  private static Set<String> labelValues(String scraped) {
    Set<String> values = new HashSet<>();
    scraped.lines().map(SAMPLE::matcher).filter(Matcher::matches).filter(m -> m.group(3) != null).forEach(m -> {
      Matcher label = LABEL.matcher(m.group(3));
      while (label.find()) {
        values.add(label.group(2));
      }
    });
    return values;
  }
}
