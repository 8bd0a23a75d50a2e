package org.fleetupgrade.reboot.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.fleetupgrade.activity.TimerHeartbeat;
import org.fleetupgrade.controlplane.DrainResult;
import org.fleetupgrade.controlplane.drain.DrainException;
import org.fleetupgrade.controlplane.drain.EvictionResult;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.version.ReleaseVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real stage's node reboots through the Kubernetes API (fabric8) and the stage's reboot
 * mechanism. The cordon carries a marker naming the rollout, so a node someone else cordoned (for
 * maintenance) is rebooted but never uncordoned by us, as kured does with its lock's metadata.
 */
public final class KubernetesNodeReboots implements NodeRebootActivities {

  /** Who cordoned a node: the rollout's workflow id. */
  public static final String CORDONED_BY = "fleetupgrade.org/cordoned-by";
  /** When our cordon began (RFC 3339), and the bootID then: at uncordon, a new boot's reboot time is known. */
  public static final String CORDONED_AT = "fleetupgrade.org/cordoned-at";
  public static final String CORDONED_BOOT_ID = "fleetupgrade.org/cordoned-boot-id";
  /**
   * How long the node's last reboot by a rollout took, cordon to uncordon, in seconds: kept on the
   * node across upgrades, so the next rollout starts the slowest nodes first.
   */
  public static final String LAST_REBOOT_SECONDS = "fleetupgrade.org/last-reboot-seconds";
  public static final String DRAIN_REFUSED = "NodeDrainRefused";
  public static final String DRAIN_BLOCKED = "NodeDrainBlocked";

  /** One stage: its cluster, drain rules, reboot mechanism and exclusions. */
  public record Stage(KubernetesClient client, NodeDrainer drainer, RebootMechanism mechanism, String method,
      NodeExclusions exclusions, ClusterNodes nodes) {}

  private static final Logger log = LoggerFactory.getLogger(KubernetesNodeReboots.class);

  private final Map<String, Stage> stages;
  private final Clock clock;
  private final Duration heartbeatPeriod;

  public KubernetesNodeReboots(Map<String, Stage> stages) {
    this(stages, Clock.systemUTC());
  }

  public KubernetesNodeReboots(Map<String, Stage> stages, Clock clock) {
    this(stages, clock, TimerHeartbeat.PERIOD);
  }

  /** {@code heartbeatPeriod}: how often a drain heartbeats while it works (shorter in tests). */
  public KubernetesNodeReboots(Map<String, Stage> stages, Clock clock, Duration heartbeatPeriod) {
    this.stages = Map.copyOf(stages);
    this.clock = clock;
    this.heartbeatPeriod = heartbeatPeriod;
  }

  /**
   * Lists the whole cluster for each page (a page is read when the rollout's buffer runs low, a
   * few times per thousand nodes), keeping only names, sites and verdicts: a continue token would
   * expire between pages hours apart, and API order is name order anyway.
   */
  @Override
  public NodePage pendingNodes(String stageName, ReleaseVersion target, String after, int limit) {
    Stage stage = stage(stageName);
    record Seen(String name, String site, boolean atTarget, String excluded, Integer lastRebootSeconds) {}
    List<Seen> seen = new ArrayList<>();
    int[] total = {0};
    stage.nodes().forEach(node -> {
      if (!stage.nodes().isPlatform(node)) {
        return;
      }
      total[0]++;
      String name = node.getMetadata().getName();
      if (after == null || name.compareTo(after) > 0) {
        NodeObservation o = observation(node, name, stage, null);
        seen.add(new Seen(name, ClusterNodes.site(node), o.atTarget(target.toString()), o.excludedBecause(),
            lastRebootSeconds(node)));
      }
    });
    seen.sort(Comparator.comparing(Seen::name));
    List<PlatformNode> pending = new ArrayList<>();
    List<String> excluded = new ArrayList<>();
    int atTarget = 0;
    String last = after;
    int i = 0;
    for (; i < seen.size() && pending.size() < limit; i++) {
      Seen n = seen.get(i);
      last = n.name();
      if (n.excluded() != null) {
        excluded.add(n.name() + " (" + n.excluded() + ")");
      } else if (n.atTarget()) {
        atTarget++;
      } else {
        pending.add(new PlatformNode(n.name(), n.site(), n.lastRebootSeconds()));
      }
    }
    if (!excluded.isEmpty()) {
      log.info("{}: left alone by the stage's rules: {}", stageName, String.join(", ", excluded));
    }
    return new NodePage(pending, last, i < seen.size(), total[0], atTarget, excluded.size(),
        excluded.stream().limit(NodePage.SAMPLE).toList());
  }

  @Override
  public NodeObservation observe(NodeTarget target) {
    Stage stage = stage(target);
    Node node = stage.client().nodes().withName(target.node()).get();
    if (node == null) {
      return new NodeObservation(target.node(), false, null, false, null, false, false, null);
    }
    return observation(node, target.node(), stage, target);
  }

  private static NodeObservation observation(Node node, String name, Stage stage, NodeTarget target) {
    var status = node.getStatus();
    String bootId = status == null || status.getNodeInfo() == null ? null : status.getNodeInfo().getBootID();
    String kubelet = status == null || status.getNodeInfo() == null ? null : status.getNodeInfo().getKubeletVersion();
    boolean ready = status != null && status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    boolean cordoned = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    return new NodeObservation(name, true, bootId, ready, kubelet, cordoned, target != null && ours(node, target),
        excluded(node, stage.exclusions()));
  }

  @Override
  public DrainResult cordonAndDrain(NodeTarget target) {
    Stage stage = stage(target);
    Node node = stage.client().nodes().withName(target.node()).get();
    if (node == null) {
      throw ApplicationFailure.newNonRetryableFailure("node " + target.node() + " is not in " + target.stage()
          + "'s cluster", DRAIN_REFUSED);
    }
    boolean cordonedBySomeoneElse = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())
        && !ours(node, target);
    if (!cordonedBySomeoneElse && !ours(node, target)) {
      // Marked before the cordon: a crash in between leaves a marker on a schedulable node, which is
      // harmless. A retry finds its own marker and keeps the time the cordon began.
      String bootId = node.getStatus() == null || node.getStatus().getNodeInfo() == null ? ""
          : node.getStatus().getNodeInfo().getBootID();
      stage.client().nodes().withName(target.node()).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"metadata\":{\"annotations\":{\"" + CORDONED_BY + "\":" + json(target.rollout()) + ",\"" + CORDONED_AT
              + "\":" + json(clock.instant().toString()) + ",\"" + CORDONED_BOOT_ID + "\":" + json(bootId) + "}}}");
    }
    EvictionResult result;
    try {
      // A drain a budget holds reports nothing for minutes: it heartbeats on a timer, and once its
      // attempt is over (timed out and retried, or cancelled) it stops evicting, so two drains of
      // one node never run side by side.
      result = TimerHeartbeat.untilStoppedIfActivity(heartbeatPeriod, () -> "draining " + target.node(),
          () -> stage.drainer().drain(target.node()));
    } catch (DrainException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), DRAIN_REFUSED);
    }
    if (!result.complete()) {
      throw ApplicationFailure.newFailure("drain of " + target.node() + " blocked by disruption budgets: "
          + result.blocked().stream().map(Object::toString).collect(Collectors.joining("; ")) + " ("
          + result.evicted().size() + " evicted meanwhile)", DRAIN_BLOCKED);
    }
    return new DrainResult(target.node(), result.evicted().size(), result.leftAlone());
  }

  @Override
  public TriggerOutcome trigger(NodeTarget target, String bootIdBefore) {
    Stage stage = stage(target);
    NodeObservation now = observe(target);
    if (bootIdBefore != null && now.bootId() != null && !bootIdBefore.equals(now.bootId())) {
      return new TriggerOutcome(target.node(), false, stage.method(), "already rebooted: bootID " + bootIdBefore
          + " -> " + now.bootId());
    }
    Node node = stage.client().nodes().withName(target.node()).get();
    return new TriggerOutcome(target.node(), true, stage.method(), stage.mechanism().reboot(target.node(),
        address(node, target.node())));
  }

  @Override
  public boolean uncordon(NodeTarget target) {
    Stage stage = stage(target);
    Node node = stage.client().nodes().withName(target.node()).get();
    if (node == null || !ours(node, target)) {
      return false;
    }
    // One JSON patch: only if the marker is still ours (test), uncordon and remove the marker; on a
    // new boot since the cordon, keep how long the reboot took for the next rollout.
    Map<String, String> annotations = node.getMetadata().getAnnotations();
    List<String> ops = new ArrayList<>();
    ops.add("{\"op\":\"test\",\"path\":" + json(pointer(CORDONED_BY)) + ",\"value\":" + json(target.rollout()) + "}");
    ops.add("{\"op\":\"add\",\"path\":\"/spec/unschedulable\",\"value\":false}");
    ops.add("{\"op\":\"remove\",\"path\":" + json(pointer(CORDONED_BY)) + "}");
    for (String timing : List.of(CORDONED_AT, CORDONED_BOOT_ID)) {
      if (annotations.containsKey(timing)) {
        ops.add("{\"op\":\"remove\",\"path\":" + json(pointer(timing)) + "}");
      }
    }
    Long took = rebootTook(node, annotations);
    if (took != null) {
      ops.add("{\"op\":\"add\",\"path\":" + json(pointer(LAST_REBOOT_SECONDS)) + ",\"value\":" + json(took.toString())
          + "}");
    }
    stage.client().nodes().withName(target.node()).patch(PatchContext.of(PatchType.JSON),
        "[" + String.join(",", ops) + "]");
    return true;
  }

  /** Seconds from our cordon to now, if the node booted since; null if it did not, or the cordon's time is unknown. */
  private Long rebootTook(Node node, Map<String, String> annotations) {
    String bootNow = node.getStatus() == null || node.getStatus().getNodeInfo() == null ? null
        : node.getStatus().getNodeInfo().getBootID();
    String bootThen = annotations.get(CORDONED_BOOT_ID);
    if (bootNow == null || bootThen == null || bootThen.isEmpty() || bootNow.equals(bootThen)) {
      return null;
    }
    try {
      long seconds = Duration.between(Instant.parse(annotations.get(CORDONED_AT)), clock.instant()).toSeconds();
      return seconds >= 0 ? seconds : null;
    } catch (RuntimeException unparsable) {
      return null;
    }
  }

  /**
   * The node's last reboot time as recorded by {@link #uncordon}; null if none, or not a positive
   * number of seconds (it only orders nodes: a wrong value must not stop a rollout).
   */
  static Integer lastRebootSeconds(Node node) {
    Map<String, String> annotations = node.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(LAST_REBOOT_SECONDS);
    if (value == null || !value.matches("[0-9]{1,9}")) {
      return null;
    }
    return Integer.parseInt(value);
  }

  private static String pointer(String annotation) {
    return "/metadata/annotations/" + annotation.replace("~", "~0").replace("/", "~1");
  }

  /** A JSON string literal (the values here are ids, times and numbers: quotes and backslashes are escaped anyway). */
  private static String json(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Where SSH reaches the node: ExternalIP, else InternalIP, else its name. */
  private static String address(Node node, String name) {
    if (node == null || node.getStatus() == null || node.getStatus().getAddresses() == null) {
      return name;
    }
    for (String type : List.of("ExternalIP", "InternalIP")) {
      for (var a : node.getStatus().getAddresses()) {
        if (type.equals(a.getType())) {
          return a.getAddress();
        }
      }
    }
    return name;
  }

  private static boolean ours(Node node, NodeTarget target) {
    Map<String, String> annotations = node.getMetadata().getAnnotations();
    return annotations != null && target.rollout().equals(annotations.get(CORDONED_BY));
  }

  private static String excluded(Node node, NodeExclusions exclusions) {
    List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    for (Taint taint : taints) {
      if (exclusions.taints().contains(taint.getKey())) {
        return "taint " + taint.getKey();
      }
    }
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    for (String selector : exclusions.selectors()) {
      if (ClusterNodes.matches(labels, selector)) {
        return "label " + selector;
      }
    }
    return null;
  }

  private Stage stage(NodeTarget target) {
    return stage(target.stage());
  }

  private Stage stage(String name) {
    Stage stage = stages.get(name);
    if (stage == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + name + "' has no cluster on this worker",
          "UnknownStage");
    }
    return stage;
  }
}
