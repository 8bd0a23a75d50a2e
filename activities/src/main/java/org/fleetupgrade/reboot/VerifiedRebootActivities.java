package org.fleetupgrade.reboot;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * The rolling reboot of a real stage, until rebooting through kured's sentinel has an adapter: a wave
 * passes when its nodes are Ready at the target, and otherwise blocks naming the nodes an operator
 * must reboot into the new image. After rebooting them, `retry` checks again: nothing is assumed.
 */
public class VerifiedRebootActivities implements RebootActivities {

  public static final String OPERATOR_ACTION = "OperatorActionRequired";

  private final Map<String, KubernetesClient> clusters;

  public VerifiedRebootActivities(Map<String, KubernetesClient> clusters) {
    this.clusters = Map.copyOf(clusters);
  }

  @Override
  public WaveResult rebootWave(String stage, List<String> nodes, ReleaseVersion target) {
    KubernetesClient client = clusters.get(stage);
    if (client == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + stage + "' has no cluster on this worker", "UnknownStage");
    }
    List<String> behind = new ArrayList<>();
    for (String name : nodes) {
      Node node = client.nodes().withName(name).get();
      boolean ready = node != null && node.getStatus() != null && node.getStatus().getConditions() != null
          && node.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      boolean atTarget = node != null && node.getStatus() != null && node.getStatus().getNodeInfo() != null
          && target.toString().equals(node.getStatus().getNodeInfo().getKubeletVersion());
      if (!ready || !atTarget) {
        behind.add(name);
      }
    }
    if (!behind.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(behind.size() + " of this wave's " + nodes.size() + " nodes are not"
          + " Ready at " + target + " (" + String.join(", ", behind.subList(0, Math.min(10, behind.size())))
          + (behind.size() > 10 ? ", ..." : "") + "): reboot the stage's platform nodes into the new image by hand"
          + " (touch /var/run/mlab-reboot and kured reboots them), then retry", OPERATOR_ACTION);
    }
    return new WaveResult(List.of(), nodes);
  }
}
