package org.fleetupgrade.upgrade;

import static org.fleetupgrade.upgrade.FleetTestEnvironment.plan;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.request;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.simulated;

import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fleetupgrade.promotion.PromotionMode;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.reboot.rollout.NodeRollout;
import org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow;
import org.fleetupgrade.reboot.window.WindowLimits;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Records the histories {@link ReplayTest} replays. Run it only when a workflow's shape changes on
 * purpose (behind {@code Workflow.getVersion}), and commit the new files beside the old ones:
 * {@code ./mvnw -B -pl activities -am test -Dtest=RecordReplayHistories -Drecord.histories=true -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "record.histories", matches = "true")
class RecordReplayHistories {

  static final Path DIRECTORY = Path.of("src/test/resources/histories");

  @Test
  void recordHappyPathWithApprovalRetryAndSkip() throws IOException {
    SimulatedFault flaky = new SimulatedFault("upgrade", "staging", "api-platform-cluster-us-east1-c", 1,
        "connection reset by peer", false);
    try (FleetTestEnvironment t = new FleetTestEnvironment(
        List.of(simulated("sandbox", 2, 2), simulated("staging", 3, 2)), List.of(flaky))) {
      FleetUpgradeWorkflow upgrade = t.start(request(
          plan("sandbox", new PromotionPolicy(Duration.ofDays(1), PromotionMode.APPROVAL, null)),
          plan("staging", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().phase().name().equals("WAITING_APPROVAL"));
      upgrade.approve("sandbox", "recorded for the replay test");
      t.awaitStatus(upgrade, s -> s.blockedStep() != null);
      upgrade.retry("recorded for the replay test");
      t.result(upgrade);

      Files.createDirectories(DIRECTORY);
      String id = "fleet-upgrade-v1.31.2";
      write(t, id, "fleet-upgrade.json");
      write(t, id + "/staging", "stage-upgrade.json");
      write(t, id + "/staging/reboot", "rolling-reboot.json");
    }
  }

  /** Since the acknowledge gate (change "review-path-and-acknowledge"): review with versions, gate, acknowledge. */
  @Test
  void recordAcknowledgeGate() throws IOException {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)), List.of(),
        org.fleetupgrade.simulated.SimulatedTiming.INSTANT, List.of("an urgent note"))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitStatus(upgrade, s -> s.gate() != null);
      upgrade.acknowledge("recorded for the replay test");
      t.result(upgrade);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2", "fleet-upgrade-acknowledge.json");
    }
  }

  /** Since the image pipeline (change "image-pipeline"): publish, await, point hosts, quiet check. */
  @Test
  void recordImagePipeline() throws IOException {
    try (FleetTestEnvironment t = new FleetTestEnvironment(
        List.of(simulated("staging", 2, 2), simulated("production", 2, 4)), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("staging", PromotionPolicy.auto(Duration.ZERO)),
          plan("production", PromotionPolicy.auto(Duration.ZERO))));
      t.result(upgrade);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2", "fleet-upgrade-images.json");
      write(t, "fleet-upgrade-v1.31.2/production", "stage-upgrade-images.json");
    }
  }

  /** Since the sliding window (change "sliding-window-reboot"): the rollout and a node's reboot. */
  @Test
  void recordSlidingWindow() throws IOException {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("staging", 3, 2)), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("staging", PromotionPolicy.auto(Duration.ZERO))));
      t.result(upgrade);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2/staging", "stage-upgrade-window.json");
      write(t, "fleet-upgrade-v1.31.2/staging/rollout", "node-rollout.json");
      write(t, "fleet-upgrade-v1.31.2/staging/rollout/mlab1-ams01.mlab-staging.measurement-lab.org", "node-reboot.json");
    }
  }

  /**
   * Since the paged rollout (changes "paged-rollout", "rollout-details"): the node list read page by
   * page, nodes started as workflows of their own that report back by signal, details to the stage.
   */
  @Test
  void recordPagedRollout() throws IOException {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("staging", 3, 2)), List.of())) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("staging", PromotionPolicy.auto(Duration.ZERO))));
      t.result(upgrade);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2/staging", "stage-upgrade-details.json");
      write(t, "fleet-upgrade-v1.31.2/staging/rollout", "node-rollout-paged.json");
      write(t, "fleet-upgrade-v1.31.2/staging/rollout/mlab1-ams01.mlab-staging.measurement-lab.org",
          "node-reboot-reporting.json");
    }
  }

  /**
   * Since change "slowest-known-first": the next upgrade's rollout, each node's last reboot time
   * known from the one before, the fastest as the canary and the slowest first after it.
   */
  @Test
  void recordSlowestKnownFirst() throws IOException {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("staging", 3, 2)), List.of())) {
      t.fleet.rebootTimes(Duration.ofMinutes(10), 0.3, 3);
      t.result(t.start(request(plan("staging", PromotionPolicy.auto(Duration.ZERO)))));
      ReleaseVersion next = ReleaseVersion.parse("v1.32.0");
      t.fleet.imagesBuilt("staging", next);
      t.client.newWorkflowStub(NodeRolloutWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId("fleet-upgrade-v1.32.0/staging/rollout").setTaskQueue(FleetWorkflows.TASK_QUEUE).build())
          .run(NodeRollout.start("staging", next, new WindowLimits(2, 1, 1, 2), Duration.ofHours(1), null, false));
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.32.0/staging/rollout", "node-rollout-slowest-first.json");
    }
  }

  /** Since change "abort-releases-member": an abort while a member is drained uncordons it if Ready. */
  @Test
  void recordAbortReleasingAMember() throws IOException {
    String member = "api-platform-cluster-us-east1-c";
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)),
        List.of(new SimulatedFault("verify", "sandbox", member, 100, "static pods still old", false)))) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitStatus(upgrade, s -> ("verify:" + member).equals(s.blockedStep()));
      upgrade.abort("rolling back by hand");
      t.result(upgrade);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2/sandbox", "stage-upgrade-abort-member.json");
    }
  }

  /**
   * Since changes "skip-done-members" and "review-nodes-at-target": a new run after an abort in
   * production's rolling reboot, its promotion carried and its done members left alone; and the
   * review that counts each stage's nodes at the target.
   */
  @Test
  void recordResumedRun() throws IOException {
    org.fleetupgrade.fleet.StagePlan production = new org.fleetupgrade.fleet.StagePlan("production", "mlab-production",
        "us-east1", List.of("b", "c", "d"), Duration.ofHours(2), new org.fleetupgrade.fleet.RebootBudget(2, 1,
            Duration.ofMinutes(30), 1, 2, Duration.ofHours(3), null), PromotionPolicy.auto(Duration.ZERO));
    try (FleetTestEnvironment t = new FleetTestEnvironment(
        List.of(simulated("sandbox", 1, 2), simulated("production", 3, 2)), List.of())) {
      t.fleet.rebootTimes(Duration.ofMinutes(25), 0, 1);
      org.fleetupgrade.fleet.UpgradeRequest request = request(
          plan("sandbox", PromotionPolicy.auto(Duration.ofDays(1))), production);
      FleetUpgradeWorkflow first = t.start(request);
      t.awaitStatus(first, s -> s.stage("production").reboot() != null && s.stage("production").reboot().done() >= 1
          && s.stage("production").reboot().inFlight() > 0);
      first.abort("recorded for the replay test");
      org.fleetupgrade.status.FleetStatus aborted = t.result(first);
      t.result(t.start(request.resuming(org.fleetupgrade.resume.Resumption.of(
          io.temporal.client.WorkflowStub.fromTyped(first).getExecution().getRunId(), "ABORTED", aborted))));

      org.fleetupgrade.preflight.UpgradeReviewWorkflow review = t.client.newWorkflowStub(
          org.fleetupgrade.preflight.UpgradeReviewWorkflow.class, WorkflowOptions.newBuilder()
              .setWorkflowId("fleet-upgrade-review-recorded").setTaskQueue(FleetWorkflows.TASK_QUEUE).build());
      review.review(List.of("sandbox", "production"), FleetTestEnvironment.TARGET, false);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2", "fleet-upgrade-resumed.json");
      write(t, "fleet-upgrade-v1.31.2/production", "stage-upgrade-resumed.json");
      write(t, "fleet-upgrade-review-recorded", "upgrade-review.json");
    }
  }

  /**
   * Since change "admin-conf-on-done-members": a run aborted after the first member applied but
   * before its admin.conf copy (the copy failed); the new run finds that member done, its admin.conf
   * step blocks once (the copy fails again) and is retried, and copies it.
   */
  @Test
  void recordAdminConfOnDoneMembers() throws IOException {
    String member = "api-platform-cluster-us-east1-b";
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 1, 2)),
        List.of(new SimulatedFault("admin-conf", "sandbox", member, 2, "AccessDeniedException: 403", false)))) {
      org.fleetupgrade.fleet.UpgradeRequest request = request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO)));
      FleetUpgradeWorkflow first = t.start(request);
      t.awaitStatus(first, s -> ("upgrade:" + member).equals(s.blockedStep()));
      first.abort("recorded for the replay test");
      org.fleetupgrade.status.FleetStatus aborted = t.result(first);
      FleetUpgradeWorkflow second = t.start(request.resuming(org.fleetupgrade.resume.Resumption.of(
          io.temporal.client.WorkflowStub.fromTyped(first).getExecution().getRunId(), "ABORTED", aborted)));
      t.awaitStatus(second, s -> ("admin-conf:" + member).equals(s.blockedStep()));
      second.retry("recorded for the replay test");
      t.result(second);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2/sandbox", "stage-upgrade-admin-conf.json");
    }
  }

  /**
   * Since change "step-recorded-when-it-starts": a member's verify entered while paused is named in
   * the timeline when it starts, after the resume; a retried step that passes says so.
   */
  @Test
  void recordStepsRecordedWhenTheyStart() throws IOException {
    String first = "api-platform-cluster-us-east1-b";
    String second = "api-platform-cluster-us-east1-c";
    org.fleetupgrade.simulated.SimulatedTiming slowUpgrade = new org.fleetupgrade.simulated.SimulatedTiming(
        Duration.ZERO, Duration.ofSeconds(2), Duration.ZERO, Duration.ZERO, Duration.ZERO);
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 2, 2)),
        List.of(new SimulatedFault("upgrade", "sandbox", second, 1, "kubeadm preflight failed", false)), slowUpgrade)) {
      FleetUpgradeWorkflow upgrade = t.start(request(plan("sandbox", PromotionPolicy.auto(Duration.ZERO))));
      t.awaitProgress(upgrade, s -> s.timeline().stream().anyMatch(e -> e.event().equals(first + ": upgrade")));
      upgrade.pause("recorded for the replay test");
      t.awaitProgress(upgrade, s -> s.timeline().stream().anyMatch(e -> e.event().startsWith(first + " upgraded")));
      t.skip(Duration.ofMinutes(30));
      upgrade.resume("recorded for the replay test");
      t.awaitStatus(upgrade, s -> ("upgrade:" + second).equals(s.blockedStep()));
      upgrade.retry("recorded for the replay test");
      t.result(upgrade);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2", "fleet-upgrade-step-starts.json");
      write(t, "fleet-upgrade-v1.31.2/sandbox", "stage-upgrade-step-starts.json");
    }
  }

  /**
   * Since change "maintenance-windows": started on a Saturday, the first member waits for Monday
   * 09:00 in Berlin; the rollout stops starting nodes when the window closes and goes on at the next.
   */
  @Test
  void recordMaintenanceWindows() throws IOException {
    org.fleetupgrade.maintenance.MaintenanceWindow window = new org.fleetupgrade.maintenance.MaintenanceWindow(
        List.of(java.time.DayOfWeek.MONDAY, java.time.DayOfWeek.TUESDAY), java.time.LocalTime.of(9, 0),
        java.time.LocalTime.of(9, 50), "Europe/Berlin", List.of());
    org.fleetupgrade.fleet.StagePlan sandbox = new org.fleetupgrade.fleet.StagePlan("sandbox", "mlab-sandbox", "us-east1",
        List.of("b", "c", "d"), Duration.ofHours(2), new org.fleetupgrade.fleet.RebootBudget(1, 1, Duration.ofMinutes(30),
            0, 2, Duration.ofHours(1), null), PromotionPolicy.auto(Duration.ZERO), window);
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 3, 1)), List.of())) {
      t.fleet.rebootTimes(Duration.ofMinutes(25), 0, 1);
      t.skip(Duration.ofDays(3));
      t.result(t.start(request(sandbox)));
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2/sandbox", "stage-upgrade-maintenance.json");
      write(t, "fleet-upgrade-v1.31.2/sandbox/rollout", "node-rollout-maintenance.json");
    }
  }

  /**
   * Since change "alert-gate": sandbox's first member waits while an alert fires; mid-rollout an
   * alert holds new nodes; the promotion to staging waits on staging's alert; each then resolves.
   */
  @Test
  void recordAlertGate() throws IOException {
    org.fleetupgrade.alerts.AlertGate gate = AlertGateWorkflowTest.GATE;
    org.fleetupgrade.fleet.StagePlan sandbox = new org.fleetupgrade.fleet.StagePlan("sandbox", "mlab-sandbox", "us-east1",
        List.of("b", "c", "d"), Duration.ofHours(2), new org.fleetupgrade.fleet.RebootBudget(1, 1, Duration.ofMinutes(30),
            0, 2, Duration.ofHours(1), null), PromotionPolicy.auto(Duration.ZERO)).withAlerts(gate);
    org.fleetupgrade.fleet.StagePlan staging = plan("staging", PromotionPolicy.auto(Duration.ZERO)).withAlerts(gate);
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("sandbox", 3, 1), simulated("staging", 1, 1)),
        List.of())) {
      t.fleet.rebootTimes(Duration.ofMinutes(25), 0, 1);
      t.fleet.alerts().fire("sandbox", AlertGateWorkflowTest.API_DOWN);
      FleetUpgradeWorkflow upgrade = t.start(request(sandbox, staging));
      t.awaitProgress(upgrade, s -> s.stage("sandbox").alerts() != null);
      t.skip(Duration.ofMinutes(30));
      t.fleet.alerts().resolve("sandbox");

      org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow rollout = t.client.newWorkflowStub(
          org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow.class, "fleet-upgrade-v1.31.2/sandbox/rollout");
      boolean rebooting = false;
      for (int i = 0; i < 200 && !rebooting; i++) {
        t.skip(Duration.ofMinutes(5));
        try {
          rebooting = rollout.progress().rebooted() >= 1;
        } catch (RuntimeException notStartedYet) {
          // the rollout starts after the members and the images
        }
      }
      t.fleet.alerts().fire("sandbox", AlertGateWorkflowTest.API_DOWN);
      t.fleet.alerts().fire("staging", AlertGateWorkflowTest.API_DOWN);
      boolean held = false;
      for (int i = 0; i < 100 && !held; i++) {
        t.skip(Duration.ofMinutes(5));
        var p = rollout.progress();
        held = p.inFlight() == 0 && p.waitingFor() != null && p.waitingFor().contains("ApiServerDown");
      }
      if (!held) {
        throw new AssertionError("the rollout never waited on the alert");
      }
      t.skip(Duration.ofMinutes(30));
      t.fleet.alerts().resolve("sandbox");
      t.awaitStatus(upgrade, s -> s.gate() != null && s.gate().phase() == org.fleetupgrade.status.GatePhase.WAITING_ALERTS);
      t.skip(Duration.ofMinutes(30));
      t.fleet.alerts().resolve("staging");
      t.result(upgrade);
      Files.createDirectories(DIRECTORY);
      write(t, "fleet-upgrade-v1.31.2", "fleet-upgrade-alerts.json");
      write(t, "fleet-upgrade-v1.31.2/sandbox", "stage-upgrade-alerts.json");
      write(t, "fleet-upgrade-v1.31.2/sandbox/rollout", "node-rollout-alerts.json");
    }
  }

  private static void write(FleetTestEnvironment t, String workflowId, String file) throws IOException {
    Files.writeString(DIRECTORY.resolve(file), t.client.fetchHistory(workflowId).toJson(true));
  }
}
