package org.fleetupgrade.upgrade;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.controlplane.AdminConfResult;
import org.fleetupgrade.controlplane.ControlPlaneActivities;
import org.fleetupgrade.controlplane.MemberUpgradeResult;
import org.fleetupgrade.controlplane.MemberVerification;
import org.fleetupgrade.controlplane.UpgradeMode;
import org.fleetupgrade.fleet.ActivityLiveness;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.images.HostsPointed;
import org.fleetupgrade.images.ImageActivities;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageInputs;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.ImageRequest;
import org.fleetupgrade.images.StageImages;
import org.fleetupgrade.maintenance.MaintenanceWindow;
import org.fleetupgrade.preflight.InventoryActivities;
import org.fleetupgrade.preflight.StageInventory;
import org.fleetupgrade.reboot.RebootSummary;
import org.fleetupgrade.reboot.RollingReboot;
import org.fleetupgrade.reboot.RollingRebootWorkflow;
import org.fleetupgrade.reboot.WavePlanner;
import org.fleetupgrade.reboot.rollout.NodeRollout;
import org.fleetupgrade.reboot.rollout.NodeRolloutWorkflow;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.reboot.window.WindowLimits;
import org.fleetupgrade.status.MemberPhase;
import org.fleetupgrade.status.MemberStatus;
import org.fleetupgrade.status.NodeConvergence;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.status.SkippedStep;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.status.TimelineEntry;
import org.fleetupgrade.tooling.NodeToolingActivities;
import org.fleetupgrade.tooling.ToolingResult;
import org.fleetupgrade.version.UpgradeDecision;
import org.fleetupgrade.version.UpgradePolicy;
import org.slf4j.Logger;
import org.fleetupgrade.status.Text;

public class StageUpgradeWorkflowImpl implements StageUpgradeWorkflow {

  private static final Logger log = Workflow.getLogger(StageUpgradeWorkflowImpl.class);

  /** Health polling starts fast and backs off, so a converged stage finishes quickly and a slow one costs few events. */
  static final Duration FIRST_HEALTH_POLL = Duration.ofSeconds(15);
  static final Duration MAX_HEALTH_POLL = Duration.ofMinutes(5);

  private static final RetryOptions STEP_RETRIES = RetryOptions.newBuilder()
      .setInitialInterval(Duration.ofSeconds(1))
      .setBackoffCoefficient(2)
      .setMaximumInterval(Duration.ofMinutes(1))
      .setMaximumAttempts(5)
      .build();

  private static final ActivityOptions INVENTORY_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(5))
          .setRetryOptions(STEP_RETRIES)
          .build();
  private InventoryActivities inventory = Workflow.newActivityStub(InventoryActivities.class, INVENTORY_OPTIONS);

  private static final ActivityOptions CONTROL_PLANE_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(45))
          .setHeartbeatTimeout(Duration.ofMinutes(2))
          .setRetryOptions(STEP_RETRIES)
          .build();
  private ControlPlaneActivities controlPlane =
      Workflow.newActivityStub(ControlPlaneActivities.class, CONTROL_PLANE_OPTIONS);

  /** Static pods take a while to restart with new images: a mismatch is retried for about ten minutes. */
  private static final ActivityOptions VERIFICATION_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RetryOptions.newBuilder()
              .setInitialInterval(Duration.ofSeconds(10))
              .setBackoffCoefficient(1.5)
              .setMaximumInterval(Duration.ofMinutes(1))
              .setMaximumAttempts(15)
              .build())
          .build();
  private ControlPlaneActivities verification =
      Workflow.newActivityStub(ControlPlaneActivities.class, VERIFICATION_OPTIONS);

  private static final ActivityOptions TOOLING_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(2))
          .setHeartbeatTimeout(Duration.ofMinutes(2))
          .setRetryOptions(STEP_RETRIES)
          .build();
  private NodeToolingActivities tooling = Workflow.newActivityStub(NodeToolingActivities.class, TOOLING_OPTIONS);

  private static final ActivityOptions IMAGES_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(3))
          .setHeartbeatTimeout(Duration.ofMinutes(2))
          .setRetryOptions(STEP_RETRIES)
          .build();
  private ImageActivities images = Workflow.newActivityStub(ImageActivities.class, IMAGES_OPTIONS);

  /**
   * Builds take hours (epoxy-images allows its stage1 build ten): the adapter enforces the
   * configured build timeout itself and fails non-retryably; this bound only catches a lost worker.
   */
  private static final ActivityOptions IMAGE_BUILDS_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(24))
          .setHeartbeatTimeout(Duration.ofMinutes(2))
          .setRetryOptions(STEP_RETRIES)
          .build();
  private ImageActivities imageBuilds = Workflow.newActivityStub(ImageActivities.class, IMAGE_BUILDS_OPTIONS);

  /** The change id of the sliding-window rollout (a workflow per node) that replaced reboot waves. */
  static final String SLIDING_WINDOW_CHANGE = "sliding-window-reboot";

  /** The change id of the real image pipeline: publish, await, point hosts, no reboot during a build. */
  static final String IMAGE_PIPELINE_CHANGE = "image-pipeline";

  /** A quick look at a member; a failed look only means the member goes the whole way. */
  private static final ActivityOptions INSPECTION_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(STEP_RETRIES)
          .build();
  private ControlPlaneActivities inspection = Workflow.newActivityStub(ControlPlaneActivities.class, INSPECTION_OPTIONS);

  /** The change id of members found done (a new run after an abort) being left alone, drain included. */
  static final String SKIP_DONE_MEMBERS_CHANGE = "skip-done-members";

  /**
   * The change id of a member found done getting its admin.conf to the bucket if it is the one that
   * ran apply (a run stopped between apply and the copy, or a skipped step finished by hand, left it
   * on the host; a host where our script never ran apply has no mark).
   */
  static final String ADMIN_CONF_ON_DONE_MEMBERS_CHANGE = "admin-conf-on-done-members";

  /** The change id of maintenance windows: disruptive steps start only inside the stage's window. */
  static final String MAINTENANCE_CHANGE = "maintenance-windows";

  /** The change id of an abort uncordoning the member it had cordoned, if Ready. */
  static final String ABORT_RELEASES_MEMBER_CHANGE = "abort-releases-member";

  /**
   * The change id of the timeline naming a step when it starts, after any pause (it named it when
   * entered, so "verify" could show while paused before it), and saying when a retried step passes.
   */
  static final String STEP_STARTS_CHANGE = "step-recorded-when-it-starts";

  private static final ActivityOptions HEALTH_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(5))
          .setRetryOptions(STEP_RETRIES)
          .build();
  private HealthActivities health = Workflow.newActivityStub(HealthActivities.class, HEALTH_OPTIONS);

  private final StepRunner runner = new StepRunner(new StepRunner.Listener() {
    @Override
    public void blocked(String step, String error) {
      blockedStep = step;
      lastError = error;
      transition(StageState.BLOCKED, "BLOCKED at " + step + ": " + error);
    }

    @Override
    public void unblocked(String step, boolean skip, String reason) {
      blockedStep = null;
      if (skip) {
        skipped.add(new SkippedStep(name, step, reason, now()));
        // Gone past: its error no longer holds (the timeline keeps it).
        lastError = null;
      } else {
        stepSince = now();
      }
      transition(StageState.RUNNING, (skip ? "skipped " : "retrying ") + step + (reason == null ? "" : ": " + reason));
    }

    @Override
    public void pausedChanged(boolean paused, String reason) {
      transition(state, (paused ? "paused" : "resumed") + (reason == null ? "" : ": " + reason));
    }

    @Override
    public void starting(String started, boolean again) {
      if (again) {
        return;
      }
      stepSince = now();
      if (started.equals(startingStep)) {
        String event = startingEvent;
        startingStep = null;
        startingEvent = null;
        record(event);
      }
    }

    @Override
    public void recovered(String step) {
      lastError = null;
      if (recordsStepsWhenTheyStart()) {
        record(step + " passed on retry");
      }
    }
  }, true);

  private final AlertWait alertWait = new AlertWait(runner);
  /** What the alert gate waits on now; null: nothing. */
  private org.fleetupgrade.alerts.AlertCheck alertsWaitedOn;

  private String name;
  private String fleetWorkflowId;
  private StageState state = StageState.PENDING;
  private String step;
  private String blockedStep;
  private String lastError;
  /** When {@link #step} started, or was last retried. */
  private Instant stepSince;
  /** A step entered but not started yet (maybe paused before it), and what the timeline says when it starts. */
  private String startingStep;
  private String startingEvent;
  private final List<MemberStatus> members = new ArrayList<>();
  private NodeConvergence nodes = NodeConvergence.UNKNOWN;
  private HealthReport lastHealth;
  private final List<SkippedStep> skipped = new ArrayList<>();
  private Instant startedAt;
  private Instant finishedAt;
  private long sequence;
  private String publishedState;
  private int platformNodes;
  private int rebootDone = -1;
  private boolean rebootProgressPending;
  /** The running rolling reboot's workflow id: signalled by id, because it continues as new. */
  private String rebootWorkflowId;
  private Promise<Void> lastReport;
  private StageImages stageImages;
  private boolean rolloutIsWindow;
  private RolloutProgress rolloutDetails;

  @Override
  public StageStatus run(StageAssignment assignment) {
    StagePlan plan = assignment.plan();
    boundActivities(plan.heartbeatTimeout());
    name = plan.name();
    fleetWorkflowId = assignment.fleetWorkflowId();
    startedAt = now();
    runner.measure(assignment.target().kubernetes().toString(), step -> name);
    try {
      StageInventory found = runner.run(Steps.PREFLIGHT, () -> preflight(assignment)).orElseThrow();
      if (UpgradePolicy.decide(found.clusterVersion(), assignment.target().kubernetes()).isNoOp()
          && alreadyConverged(assignment)) {
        finish(StageState.ALREADY_AT_TARGET, "already at " + assignment.target().kubernetes()
            + " and healthy: nothing to do");
        awaitLastReport();
        return status();
      }
      // Once kubeadm-config is at the target (a run that stopped part-way), some members may be done.
      boolean lookFirst = found.clusterVersion().equals(assignment.target().kubernetes())
          && Workflow.getVersion(SKIP_DONE_MEMBERS_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
      for (ControlPlaneMember member : found.members()) {
        if (lookFirst && alreadyDone(member, assignment)) {
          ensureAdminConf(member, assignment);
        } else {
          awaitMaintenanceWindow(assignment, member.name() + "'s upgrade");
          awaitAlerts(assignment, member.name());
          upgradeMember(member, assignment);
        }
      }
      enter(Steps.NODE_TOOLING);
      runner.run(Steps.NODE_TOOLING, () -> tooling.upgradeVirtualNodes(name, assignment.target()))
          .ifPresent(this::toolingDone);
      boolean imagePipeline = Workflow.getVersion(IMAGE_PIPELINE_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
      enter(Steps.IMAGE_BUILD);
      if (imagePipeline) {
        ImageBuild built = runner.run(Steps.IMAGE_BUILD, () -> buildImages(assignment)).orElse(null);
        if (built == null) {
          // Skipped by an operator: a stage whose hosts boot a release still needs them pointed at
          // one before any node reboots; the adapter knows which stages do, and blocks asking.
          runner.run(Steps.IMAGES_VERSION, () -> images.pointHosts(new ImageBuild(name, null, null, null)))
              .ifPresent(this::hostsPointed);
        } else if (built.pinned()) {
          enter(Steps.IMAGES_VERSION);
          runner.run(Steps.IMAGES_VERSION, () -> images.pointHosts(built)).ifPresent(this::hostsPointed);
        }
      } else {
        runner.run(Steps.IMAGE_BUILD, () -> images.awaitBuild(images.triggerBuild(name, assignment.target())))
            .ifPresent(build -> record("images built: " + build.ref() + " (" + build.buildId() + ")"));
      }
      enter(Steps.REBOOT);
      boolean slidingWindow = Workflow.getVersion(SLIDING_WINDOW_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
      runner.run(Steps.REBOOT, () -> {
        if (imagePipeline) {
          awaitImagesSettled();
        }
        return slidingWindow ? rollout(found, assignment) : rollingReboot(found, assignment);
      })
          .ifPresent(summary -> record("rolling reboot done: " + summary.rebooted() + " rebooted, "
              + summary.alreadyAtTarget() + (slidingWindow ? " already at target or left alone"
                  : " already at target, " + Text.count(summary.waves(), "wave"))));
      enter(Steps.HEALTH);
      runner.run(Steps.HEALTH, () -> awaitConvergence(assignment))
          .ifPresent(report -> record("converged: " + report.summary()));
      finish(StageState.DONE, "stage done");
    } catch (UpgradeAborted aborted) {
      finish(StageState.ABORTED, "aborted: " + aborted.getMessage());
    }
    awaitLastReport();
    return status();
  }

  /** The stubs again, each activity with at most the stage's heartbeat timeout ({@link ActivityLiveness}). */
  private void boundActivities(Duration heartbeatTimeout) {
    if (heartbeatTimeout == null) {
      return;
    }
    inventory = ActivityLiveness.stub(InventoryActivities.class, INVENTORY_OPTIONS, heartbeatTimeout);
    controlPlane = ActivityLiveness.stub(ControlPlaneActivities.class, CONTROL_PLANE_OPTIONS, heartbeatTimeout);
    verification = ActivityLiveness.stub(ControlPlaneActivities.class, VERIFICATION_OPTIONS, heartbeatTimeout);
    tooling = ActivityLiveness.stub(NodeToolingActivities.class, TOOLING_OPTIONS, heartbeatTimeout);
    images = ActivityLiveness.stub(ImageActivities.class, IMAGES_OPTIONS, heartbeatTimeout);
    imageBuilds = ActivityLiveness.stub(ImageActivities.class, IMAGE_BUILDS_OPTIONS, heartbeatTimeout);
    inspection = ActivityLiveness.stub(ControlPlaneActivities.class, INSPECTION_OPTIONS, heartbeatTimeout);
    health = ActivityLiveness.stub(HealthActivities.class, HEALTH_OPTIONS, heartbeatTimeout);
  }

  /** A signal still in flight when a workflow completes is lost: the fleet must see the final state. */
  private void awaitLastReport() {
    if (lastReport != null) {
      try {
        lastReport.get();
      } catch (RuntimeException e) {
        log.warn("stage {}: last report to {} failed: {}", name, fleetWorkflowId, e.getMessage());
      }
    }
  }

  private StageInventory preflight(StageAssignment assignment) {
    transition(StageState.RUNNING, "preflight");
    step = Steps.PREFLIGHT;
    StageInventory found = inventory.inventory(name);
    UpgradeDecision decision = UpgradePolicy.decide(found.clusterVersion(), assignment.target().kubernetes());
    if (!decision.allowed()) {
      throw ApplicationFailure.newNonRetryableFailure(decision.reason(), "UpgradePathRejected");
    }
    members.clear();
    for (ControlPlaneMember m : found.members()) {
      members.add(new MemberStatus(m.name(), m.zone(), MemberPhase.PENDING, null));
    }
    platformNodes = found.platformTotal();
    nodes = new NodeConvergence(0, found.platformTotal() + found.virtualNodes().size() + found.members().size());
    record("preflight: " + decision.reason() + "; " + Text.count(found.members().size(), "control-plane member") + ", "
        + Text.count(found.platformTotal(), "platform node") + ", " + Text.count(found.virtualNodes().size(), "virtual node"));
    return found;
  }

  private boolean alreadyConverged(StageAssignment assignment) {
    HealthReport report = health.check(name, assignment.target().kubernetes());
    observe(report);
    return report.converged();
  }

  /**
   * A member that already runs the target everywhere (static pods, kubelet, kubeadm-config), is
   * Ready and takes workloads needs nothing: it is not drained again. One still cordoned (by an
   * aborted run) goes the whole way, so our uncordon is the one that releases it.
   */
  private boolean alreadyDone(ControlPlaneMember member, StageAssignment assignment) {
    runner.checkpoint();
    MemberVerification found;
    try {
      found = inspection.inspect(name, member, assignment.target());
    } catch (ActivityFailure failed) {
      record(member.name() + ": could not look at it (" + Failures.describe(failed) + "): upgrading it the whole way");
      return false;
    }
    if (!found.passed()) {
      return false;
    }
    replaceMember(member.name(), ms -> ms.withMode("already-at-target").with(MemberPhase.DONE));
    step = null;
    record(member.name() + " already at " + assignment.target().kubernetes() + ", Ready and uncordoned: left alone");
    return true;
  }

  /**
   * A member found done is left alone, but the member that ran apply may have stopped before its
   * admin.conf (renewed certificates) reached the bucket: the activity copies it from that member
   * if the bucket does not hold it, and changes nothing on the others. A failure blocks as step
   * {@code admin-conf:<member>}, for the operator to retry or skip.
   */
  private void ensureAdminConf(ControlPlaneMember member, StageAssignment assignment) {
    if (Workflow.getVersion(ADMIN_CONF_ON_DONE_MEMBERS_CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    String m = member.name();
    step = Steps.member("admin-conf", m);
    runner.run(step, () -> controlPlane.ensureAdminConf(name, member, assignment.target()))
        .ifPresent(this::adminConfEnsured);
    step = null;
  }

  private void adminConfEnsured(AdminConfResult result) {
    switch (result.outcome()) {
      case COPIED -> record(result.member() + ": admin.conf copied to " + result.destination()
          + " (this member ran apply; the bucket held another)");
      case ALREADY_HELD -> record(result.member() + ": admin.conf already held in " + result.destination());
      case NOT_APPLIED_HERE -> { } // not the member that ran apply: nothing to say
    }
  }

  /**
   * The stage's maintenance window, for upgrades started with one (change "maintenance-windows");
   * null otherwise, and in histories from before windows (their plans have none: no marker asked).
   */
  private MaintenanceWindow maintenance(StageAssignment assignment) {
    MaintenanceWindow window = assignment.plan().maintenance();
    if (window == null) {
      return null;
    }
    return Workflow.getVersion(MAINTENANCE_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1 ? window : null;
  }

  /**
   * A disruptive step starts only inside the stage's maintenance window: outside it, the stage
   * waits (a durable timer to the opening, computed from workflow time) and says until when. Work
   * already under way is not interrupted when the window closes.
   */
  private void awaitMaintenanceWindow(StageAssignment assignment, String what) {
    MaintenanceWindow window = maintenance(assignment);
    if (window == null || window.isOpen(now())) {
      return;
    }
    Instant opening = window.nextOpening(now());
    String waited = step;
    step = "maintenance window (opens " + opening.truncatedTo(java.time.temporal.ChronoUnit.MINUTES) + ")";
    record("waiting for the maintenance window that opens at " + opening.truncatedTo(java.time.temporal.ChronoUnit.MINUTES)
        + " (" + window + ") before " + what);
    runner.await(Duration.between(now(), opening), () -> false);
    step = waited;
    record("maintenance window open: " + what);
  }

  /**
   * The alert gate before a member's upgrade (stages with one, upgrades started with it): waits
   * while a blocking alert fires, showing them; blocks as step {@code alerts:<member>} past the
   * gate's limit.
   */
  private void awaitAlerts(StageAssignment assignment, String member) {
    org.fleetupgrade.alerts.AlertGate gate = AlertWait.gate(assignment.plan());
    if (gate == null) {
      return;
    }
    String gateStep = Steps.alerts(member);
    step = gateStep;
    alertWait.await(gateStep, name, gate, member, new AlertWait.Listener() {
      @Override
      public void record(String event) {
        StageUpgradeWorkflowImpl.this.record(event);
      }

      @Override
      public void waiting(String stage, org.fleetupgrade.alerts.AlertCheck check) {
        // Shown with the next timeline entry, which the gate records whenever what it waits on changes.
        alertsWaitedOn = check;
        step = check == null ? gateStep : gateStep + " (waiting on " + check.names() + ")";
      }
    });
    alertsWaitedOn = null;
  }

  private void upgradeMember(ControlPlaneMember member, StageAssignment assignment) {
    try {
      drainUpgradeVerifyUncordon(member, assignment);
    } catch (UpgradeAborted aborted) {
      releaseAfterAbort(member);
      throw aborted;
    }
  }

  /**
   * Aborted while the member was drained for its upgrade: no node cordoned by us is left so without
   * a word. If it is Ready it serves again (on whatever version it runs); if not, it stays cordoned;
   * the timeline says which.
   */
  private void releaseAfterAbort(ControlPlaneMember member) {
    MemberPhase phase = members.stream().filter(ms -> ms.name().equals(member.name())).findFirst()
        .map(MemberStatus::phase).orElse(MemberPhase.PENDING);
    if (phase == MemberPhase.PENDING || phase == MemberPhase.DONE
        || Workflow.getVersion(ABORT_RELEASES_MEMBER_CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    try {
      String[] outcome = new String[1];
      Workflow.newDetachedCancellationScope(() -> {
        outcome[0] = controlPlane.releaseAfterAbort(name, member);
      }).run();
      record("aborted: " + outcome[0]);
    } catch (ActivityFailure failed) {
      record("aborted: " + member.name() + " may be left cordoned: " + Failures.describe(failed));
    }
  }

  private void drainUpgradeVerifyUncordon(ControlPlaneMember member, StageAssignment assignment) {
    String m = member.name();
    memberPhase(m, MemberPhase.DRAINING, "drain");
    runner.run(Steps.member("drain", m), () -> controlPlane.drain(name, member))
        .ifPresent(d -> record(m + " drained: " + Text.count(d.evicted(), "pod") + " evicted"));
    memberPhase(m, MemberPhase.UPGRADING, "upgrade");
    runner.run(Steps.member("upgrade", m), () -> controlPlane.upgrade(name, member, assignment.target()))
        .ifPresent(r -> memberUpgraded(m, r));
    // Verified before uncordon: a member that did not come up at the target takes no workloads.
    memberPhase(m, MemberPhase.VERIFYING, "verify");
    runner.run(Steps.member("verify", m), () -> verification.verify(name, member, assignment.target()))
        .ifPresent(v -> record(m + " verified: " + Text.count(v.checks().size(), "check") + " passed"));
    memberPhase(m, MemberPhase.UNCORDONING, "uncordon");
    runner.runStep(Steps.member("uncordon", m), () -> controlPlane.uncordon(name, member));
    memberPhase(m, MemberPhase.DONE, null);
  }

  private void memberUpgraded(String member, MemberUpgradeResult result) {
    String mode = result.mode().name().toLowerCase().replace('_', '-');
    replaceMember(member, ms -> ms.withMode(mode));
    record(member + " upgraded (" + (result.mode() == UpgradeMode.ALREADY_AT_TARGET ? "already at target" : "kubeadm upgrade " + mode)
        + ")" + (result.note() == null || result.note().isEmpty() ? "" : ": " + result.note()));
  }

  private void toolingDone(ToolingResult result) {
    record("node tooling: " + Text.count(result.upgraded().size(), "virtual node") + " upgraded, "
        + result.alreadyAtTarget().size() + " already at target");
  }

  /**
   * Pushes the stage's ref and waits for its builds. A retry after a failure publishes again, which
   * finds the ref already pushed and pushes nothing.
   */
  private ImageBuild buildImages(StageAssignment assignment) {
    ImageInputs inputs = assignment.imageInputs();
    ImageRelease release = images.publish(new ImageRequest(name, fleetWorkflowId, assignment.target(),
        inputs.baseCommit(), inputs.imagesTag()));
    stageImages = new StageImages(release, null, null);
    record("images " + (release.reused() ? "already pushed: " : "pushed: ") + release.ref() + " at "
        + release.shortCommit() + " (" + release.describeChanges() + ")");
    ImageBuild build = imageBuilds.awaitImages(release);
    stageImages = stageImages.withBuild(build);
    record("images built: " + build.ref() + " -> " + build.imagesVersion() + " (build " + build.buildId()
        + (build.logUrl() == null ? "" : ", " + build.logUrl()) + ")");
    return build;
  }

  private void hostsPointed(HostsPointed hosts) {
    stageImages = (stageImages == null ? new StageImages(null, null, null) : stageImages).withHosts(hosts);
    record("images version: " + hosts.summary());
  }

  private void awaitImagesSettled() {
    String waited = imageBuilds.awaitNoBuildRunning(name);
    if (waited != null) {
      record(waited);
    }
  }

  private RebootSummary rollingReboot(StageInventory found, StageAssignment assignment) {
    StagePlan plan = assignment.plan();
    List<List<String>> waves = WavePlanner.plan(found.platformNodes(), plan.reboot());
    record("rolling reboot: " + Text.count(found.platformNodes().size(), "platform node") + " in "
        + Text.count(waves.size(), "wave") + " (at most " + plan.reboot().maxUnavailable() + " at once, " + plan.reboot().maxPerSite() + " per site)");
    String selfId = Workflow.getInfo().getWorkflowId();
    String childId = selfId + "/reboot";
    RollingRebootWorkflow child = Workflow.newChildWorkflowStub(RollingRebootWorkflow.class, ChildWorkflowOptions.newBuilder()
        .setWorkflowId(childId)
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE)
        .setCancellationType(ChildWorkflowCancellationType.TRY_CANCEL)
        .setStaticSummary("Rolling reboot of " + name + " into " + assignment.target().kubernetes())
        .build());
    boolean pausedAtStart = runner.paused();
    Promise<RebootSummary> done = Async.function(child::run, new RollingReboot(name,
        assignment.target().kubernetes(), plan.reboot().waveTimeout(), waves, 0, 0, 0, selfId, pausedAtStart));
    Workflow.getWorkflowExecution(child).get();
    return followReboot(childId, pausedAtStart, done);
  }

  /**
   * Follows a started reboot child until it ends: pause and resume are forwarded only to a started
   * child (catching up on one that came meanwhile), and its progress goes to the timeline.
   */
  private RebootSummary followReboot(String childId, boolean pausedAtStart, Promise<RebootSummary> done) {
    rebootWorkflowId = childId;
    if (runner.paused() != pausedAtStart) {
      forwardPause(runner.paused());
    }
    try {
      while (true) {
        Workflow.await(() -> done.isCompleted() || rebootProgressPending);
        if (rebootProgressPending) {
          rebootProgressPending = false;
          record(rolloutDetails == null ? "rebooted " + rebootDone + "/" + Text.count(platformNodes, "platform node")
              : "rolling reboot: " + rolloutDetails.summary() + (rolloutDetails.waitingFor() == null ? ""
                  : "; " + rolloutDetails.waitingFor()));
        }
        if (done.isCompleted()) {
          return done.get();
        }
      }
    } catch (CanceledFailure aborted) {
      // Aborted: the rollout lets its nodes in flight come back, uncordons them and releases
      // kured's lock before it ends; the stage is not aborted before that is so.
      Workflow.newDetachedCancellationScope(() -> {
        try {
          done.get();
        } catch (RuntimeException ended) {
          // cancelled, as asked
        }
      }).run();
      throw aborted;
    } finally {
      rebootWorkflowId = null;
    }
  }

  /**
   * The platform nodes through a sliding window ({@link NodeRolloutWorkflow}); pause and resume are
   * forwarded to it by workflow id, since it continues as new.
   */
  private RebootSummary rollout(StageInventory found, StageAssignment assignment) {
    StagePlan plan = assignment.plan();
    WindowLimits limits = plan.reboot().limits();
    record("rolling reboot: " + Text.count(found.platformTotal(), "platform node") + ", at most " + limits.maxUnavailable()
        + " at once and " + limits.maxPerSite() + " per site, " + limits.canary() + " canary first, at most "
        + limits.maxFailedNodes() + " failed, each back within " + Text.duration(plan.reboot().deadlinePerNode()));
    String selfId = Workflow.getInfo().getWorkflowId();
    String childId = selfId + "/rollout";
    NodeRolloutWorkflow child = Workflow.newChildWorkflowStub(NodeRolloutWorkflow.class, ChildWorkflowOptions.newBuilder()
        .setWorkflowId(childId)
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE)
        .setCancellationType(ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setStaticSummary("Rolling reboot of " + name + " into " + assignment.target().kubernetes())
        .build());
    boolean pausedAtStart = runner.paused();
    // The rollout reads the node list itself, page by page: a 20,000-node list fits in no payload.
    Promise<RebootSummary> done = Async.function(child::run, NodeRollout.start(name, assignment.target().kubernetes(),
        limits, plan.reboot().deadlinePerNode(), selfId, pausedAtStart)
        .withFirstLook(plan.reboot().firstLook()).withMaintenance(maintenance(assignment))
        .withHeartbeatTimeout(plan.heartbeatTimeout()).withAlerts(AlertWait.gate(plan)));
    Workflow.getWorkflowExecution(child).get();
    rolloutIsWindow = true;
    return followReboot(childId, pausedAtStart, done);
  }

  private HealthReport awaitConvergence(StageAssignment assignment) {
    Instant deadline = now().plus(assignment.plan().convergenceDeadline());
    Duration wait = FIRST_HEALTH_POLL;
    while (true) {
      HealthReport report = health.check(name, assignment.target().kubernetes());
      observe(report);
      if (report.converged()) {
        return report;
      }
      if (now().plus(wait).isAfter(deadline)) {
        throw ApplicationFailure.newNonRetryableFailure("not converged within "
            + Text.duration(assignment.plan().convergenceDeadline()) + ": " + report.summary(), "NotConverged");
      }
      runner.await(wait, () -> false);
      wait = wait.multipliedBy(2).compareTo(MAX_HEALTH_POLL) > 0 ? MAX_HEALTH_POLL : wait.multipliedBy(2);
    }
  }

  private void observe(HealthReport report) {
    lastHealth = report;
    NodeConvergence seen = new NodeConvergence(report.nodesAtTarget(), report.nodesTotal());
    if (!seen.equals(nodes)) {
      nodes = seen;
      record("health: " + report.summary());
    }
  }

  // ---- operator input, forwarded by the fleet workflow after validation ----

  @Override
  public void operator(OperatorCommand command) {
    // The fleet workflow validated this against its mirror; re-validate here, because the mirror
    // may be one transition behind. Invalid commands are logged and dropped, never half-applied.
    try {
      switch (command.kind()) {
        case PAUSE -> {
          runner.validatePause();
          runner.pause(command.reason());
          forwardPause(true);
        }
        case RESUME -> {
          runner.validateResume();
          runner.resume(command.reason());
          forwardPause(false);
        }
        case RETRY -> {
          runner.validateRetry();
          runner.retry(command.reason());
        }
        case SKIP -> {
          runner.validateSkip(command.step(), command.reason());
          runner.skip(command.step(), command.reason());
        }
        case ABORT -> {
          runner.validateAbort(command.reason());
          runner.abort(command.reason());
        }
      }
    } catch (IllegalStateException | IllegalArgumentException rejected) {
      log.warn("stage {}: ignored {}: {}", name, command.kind(), rejected.getMessage());
    }
  }

  /** A running rolling reboot pauses too: the wave in flight finishes, no new wave starts. */
  private void forwardPause(boolean paused) {
    if (rebootWorkflowId != null && rolloutIsWindow) {
      NodeRolloutWorkflow rollout = Workflow.newExternalWorkflowStub(NodeRolloutWorkflow.class, rebootWorkflowId);
      Async.procedure(rollout::setPaused, paused);
    } else if (rebootWorkflowId != null) {
      RollingRebootWorkflow reboot = Workflow.newExternalWorkflowStub(RollingRebootWorkflow.class, rebootWorkflowId);
      Async.procedure(reboot::setPaused, paused);
    }
  }

  @Override
  public void rebootProgress(int done, int total) {
    if (rebooted(done, total)) {
      rebootProgressPending = true;
    }
  }

  @Override
  public void rolloutProgress(RolloutProgress progress) {
    rolloutDetails = progress;
    rebootProgressPending = true;
    rebooted(progress.done(), progress.total());
  }

  /** Counts platform nodes done; true when more are than before. */
  private boolean rebooted(int done, int total) {
    if (done <= rebootDone) {
      return false;
    }
    rebootDone = done;
    // Platform nodes only move to the target by rebooting: members and virtual nodes are
    // counted as converged by now, the health check that follows confirms it.
    nodes = new NodeConvergence(Math.max(nodes.atTarget(), nodes.total() - total + done), nodes.total());
    return true;
  }

  @Override
  public StageStatus status() {
    StageState shown = state == StageState.RUNNING && runner.paused() ? StageState.PAUSED : state;
    return new StageStatus(name, shown, step, blockedStep, lastError, members, nodes, lastHealth, skipped,
        startedAt, finishedAt, stageImages, rolloutDetails, stepSince, alertsWaitedOn);
  }

  // ---- transitions ----

  /** The next step is {@code newStep}; the timeline names it when it starts (the runner's next run of it). */
  private void enter(String newStep) {
    step = newStep;
    recordWhenStarted(newStep, newStep);
  }

  private void memberPhase(String member, MemberPhase phase, String action) {
    step = action == null ? null : Steps.member(action, member);
    replaceMember(member, ms -> ms.with(phase));
    if (action == null) {
      record(member + " done");
    } else {
      recordWhenStarted(step, member + ": " + action);
    }
  }

  /**
   * Names {@code nextStep} in the timeline when the runner starts it, after any pause; histories from
   * before {@link #STEP_STARTS_CHANGE} named it here, at once.
   */
  private void recordWhenStarted(String nextStep, String event) {
    if (recordsStepsWhenTheyStart()) {
      startingStep = nextStep;
      startingEvent = event;
    } else {
      stepSince = now();
      record(event);
    }
  }

  private static boolean recordsStepsWhenTheyStart() {
    return Workflow.getVersion(STEP_STARTS_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  private void replaceMember(String member, java.util.function.UnaryOperator<MemberStatus> change) {
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).name().equals(member)) {
        members.set(i, change.apply(members.get(i)));
      }
    }
  }

  private void finish(StageState finalState, String event) {
    step = null;
    finishedAt = now();
    transition(finalState, event);
  }

  private void record(String event) {
    transition(state, event);
  }

  private void transition(StageState newState, String event) {
    state = newState;
    StageStatus snapshot = status();
    TimelineEntry entry = new TimelineEntry(now(), name, event);
    log.info("stage {}: {}", name, event);
    String shownState = snapshot.state().name();
    if (!shownState.equals(publishedState)) {
      publishedState = shownState;
      Workflow.upsertTypedSearchAttributes(
          SearchAttributes.STAGE.valueSet(name), SearchAttributes.STATE.valueSet(shownState));
    }
    Workflow.setCurrentDetails(StatusMarkdown.stage(snapshot, event));
    if (fleetWorkflowId != null) {
      FleetUpgradeWorkflow fleet = Workflow.newExternalWorkflowStub(FleetUpgradeWorkflow.class, fleetWorkflowId);
      lastReport = Async.procedure(fleet::stageProgress, new StageProgress(++sequence, snapshot, entry));
    }
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
