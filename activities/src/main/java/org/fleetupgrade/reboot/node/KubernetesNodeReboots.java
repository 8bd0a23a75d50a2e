package org.fleetupgrade.reboot.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.fleetupgrade.controlplane.DrainResult;
import org.fleetupgrade.controlplane.drain.DrainException;
import org.fleetupgrade.controlplane.drain.EvictionResult;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.kubernetes.ClusterNodes;

/**
 * A real stage's node reboots through the Kubernetes API (fabric8) and the stage's reboot
 * mechanism. The cordon carries a marker naming the rollout, so a node someone else cordoned (for
 * maintenance) is rebooted but never uncordoned by us, as kured does with its lock's metadata.
 */
public final class KubernetesNodeReboots implements NodeRebootActivities {

  /** Who cordoned a node: the rollout's workflow id. */
  public static final String CORDONED_BY = "fleetupgrade.org/cordoned-by";
  public static final String DRAIN_REFUSED = "NodeDrainRefused";
  public static final String DRAIN_BLOCKED = "NodeDrainBlocked";

  /** One stage: its cluster, drain rules, reboot mechanism and exclusions. */
  public record Stage(KubernetesClient client, NodeDrainer drainer, RebootMechanism mechanism, String method,
      NodeExclusions exclusions) {}

  private final Map<String, Stage> stages;

  public KubernetesNodeReboots(Map<String, Stage> stages) {
    this.stages = Map.copyOf(stages);
  }

  @Override
  public NodeObservation observe(NodeTarget target) {
    Stage stage = stage(target);
    Node node = stage.client().nodes().withName(target.node()).get();
    if (node == null) {
      return new NodeObservation(target.node(), false, null, false, null, false, false, null);
    }
    var status = node.getStatus();
    String bootId = status == null || status.getNodeInfo() == null ? null : status.getNodeInfo().getBootID();
    String kubelet = status == null || status.getNodeInfo() == null ? null : status.getNodeInfo().getKubeletVersion();
    boolean ready = status != null && status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    boolean cordoned = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    return new NodeObservation(target.node(), true, bootId, ready, kubelet, cordoned, ours(node, target),
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
    if (!cordonedBySomeoneElse) {
      // Marked before the cordon: a crash in between leaves a marker on a schedulable node, which is harmless.
      stage.client().nodes().withName(target.node()).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"metadata\":{\"annotations\":{\"" + CORDONED_BY + "\":\"" + target.rollout() + "\"}}}");
    }
    EvictionResult result;
    try {
      result = stage.drainer().drain(target.node());
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
    // One JSON patch: only if the marker is still ours (test), uncordon and remove the marker.
    String marker = "/metadata/annotations/" + CORDONED_BY.replace("~", "~0").replace("/", "~1");
    stage.client().nodes().withName(target.node()).patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"test\",\"path\":\"" + marker + "\",\"value\":\"" + target.rollout() + "\"},"
            + "{\"op\":\"add\",\"path\":\"/spec/unschedulable\",\"value\":false},"
            + "{\"op\":\"remove\",\"path\":\"" + marker + "\"}]");
    return true;
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
    Stage stage = stages.get(target.stage());
    if (stage == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + target.stage() + "' has no cluster on this worker",
          "UnknownStage");
    }
    return stage;
  }
}
