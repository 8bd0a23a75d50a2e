package org.fleetupgrade.health;

import static org.fleetupgrade.kubernetes.ClusterNodes.matches;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * One look at a cluster's health against a target version. Nodes and pods are listed page by page
 * (limit + continue), so memory stays bounded on large clusters, and only counts and the worst
 * {@link HealthReport#MAX_PROBLEMS} problems are kept.
 */
public final class ClusterHealthCheck {

  public static final String CONTROL_PLANE = "control-plane";
  public static final String PLATFORM = "platform";
  public static final String VIRTUAL = "virtual";

  private final KubernetesClient client;
  private final HealthRules rules;

  public ClusterHealthCheck(KubernetesClient client, HealthRules rules) {
    this.client = client;
    this.rules = rules;
  }

  /** A problem, ranked: the lower the severity number, the worse. */
  private record Problem(int severity, String text) {}

  public HealthReport check(ReleaseVersion target) {
    Map<String, int[]> roles = new LinkedHashMap<>();
    for (String role : List.of(CONTROL_PLANE, PLATFORM, VIRTUAL)) {
      roles.put(role, new int[3]);
    }
    Set<String> ignoredNodes = new HashSet<>();
    Worst worst = new Worst();
    String token = null;
    do {
      NodeList page = client.nodes().list(new ListOptionsBuilder().withLimit((long) rules.pageSize()).withContinue(token).build());
      for (Node node : page.getItems()) {
        String name = node.getMetadata().getName();
        if (tainted(node)) {
          ignoredNodes.add(name);
          continue;
        }
        String role = role(node);
        int[] counts = roles.get(role);
        boolean ready = ready(node);
        boolean atTarget = node.getStatus() != null && node.getStatus().getNodeInfo() != null
            && target.toString().equals(node.getStatus().getNodeInfo().getKubeletVersion());
        counts[0]++;
        counts[1] += ready ? 1 : 0;
        counts[2] += ready && atTarget ? 1 : 0;
        if (!ready) {
          worst.add(new Problem(0, "node " + name + " NotReady (" + role + ")"));
        }
      }
      token = continueToken(page.getMetadata() == null ? null : page.getMetadata().getContinue());
    } while (token != null);

    do {
      PodList page = client.pods().inAnyNamespace()
          .list(new ListOptionsBuilder().withLimit((long) rules.pageSize()).withContinue(token).build());
      for (Pod pod : page.getItems()) {
        if (ignored(pod, ignoredNodes)) {
          continue;
        }
        Problem problem = problem(pod);
        if (problem != null) {
          worst.add(problem);
        }
      }
      token = continueToken(page.getMetadata() == null ? null : page.getMetadata().getContinue());
    } while (token != null);

    List<RoleHealth> roleHealth = new ArrayList<>();
    int total = 0;
    int ready = 0;
    int atTarget = 0;
    for (var entry : roles.entrySet()) {
      int[] c = entry.getValue();
      roleHealth.add(new RoleHealth(entry.getKey(), c[0], c[1], c[2]));
      total += c[0];
      ready += c[1];
      atTarget += c[2];
    }
    return new HealthReport(total, ready, atTarget, worst.texts(), roleHealth, worst.count);
  }

  private static String continueToken(String token) {
    return token == null || token.isEmpty() ? null : token;
  }

  private String role(Node node) {
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (labels.containsKey(rules.controlPlaneLabel())) {
      return CONTROL_PLANE;
    }
    return matches(labels, rules.virtualSelector()) ? VIRTUAL : PLATFORM;
  }

  private boolean tainted(Node node) {
    return node.getSpec() != null && node.getSpec().getTaints() != null
        && node.getSpec().getTaints().stream().anyMatch(t -> rules.ignoredNodeTaints().contains(t.getKey()));
  }

  private static boolean ready(Node node) {
    List<NodeCondition> conditions = node.getStatus() == null ? null : node.getStatus().getConditions();
    return conditions != null && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private boolean ignored(Pod pod, Set<String> ignoredNodes) {
    if (rules.ignoredNamespaces().contains(pod.getMetadata().getNamespace())) {
      return true;
    }
    if (pod.getSpec() != null && ignoredNodes.contains(pod.getSpec().getNodeName())) {
      return true;
    }
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    return rules.ignoredPodSelectors().stream().anyMatch(selector -> matches(labels, selector));
  }

  /** Why a pod is not healthy, ranked, or null when it is Running (all containers fine) or Succeeded. */
  private static Problem problem(Pod pod) {
    String id = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    String phase = pod.getStatus() == null ? "Unknown" : String.valueOf(pod.getStatus().getPhase());
    if ("Succeeded".equals(phase)) {
      return null;
    }
    List<ContainerStatus> containers = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        ? List.of() : pod.getStatus().getContainerStatuses();
    for (ContainerStatus c : containers) {
      if (c.getState() != null && c.getState().getWaiting() != null && c.getState().getWaiting().getReason() != null) {
        String reason = c.getState().getWaiting().getReason();
        if (reason.equals("ContainerCreating") || reason.equals("PodInitializing")) {
          continue;
        }
        int severity = reason.equals("CrashLoopBackOff") ? 1 : reason.contains("ImagePull") ? 2 : 3;
        return new Problem(severity, "pod " + id + " " + reason + " (container " + c.getName() + ", "
            + c.getRestartCount() + " restarts)");
      }
    }
    if ("Running".equals(phase)) {
      return null;
    }
    if ("Pending".equals(phase)) {
      List<PodCondition> conditions = pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions();
      PodCondition scheduled = conditions.stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
      if (scheduled != null && "False".equals(scheduled.getStatus())) {
        return new Problem(2, "pod " + id + " Pending: " + scheduled.getReason()
            + (scheduled.getMessage() == null ? "" : ": " + scheduled.getMessage()));
      }
      return new Problem(4, "pod " + id + " Pending");
    }
    String reason = pod.getStatus() == null ? null : pod.getStatus().getReason();
    return new Problem(3, "pod " + id + " " + phase + (reason == null ? "" : ": " + reason));
  }

  /** The worst problems, at most MAX_PROBLEMS of them, and how many there were in all. */
  private static final class Worst {
    private final PriorityQueue<Problem> kept = new PriorityQueue<>(
        Comparator.comparingInt(Problem::severity).reversed().thenComparing(Problem::text, Comparator.reverseOrder()));
    int count;

    void add(Problem problem) {
      count++;
      kept.add(problem);
      if (kept.size() > HealthReport.MAX_PROBLEMS) {
        kept.poll();
      }
    }

    List<String> texts() {
      return kept.stream().sorted(Comparator.comparingInt(Problem::severity).thenComparing(Problem::text))
          .map(Problem::text).toList();
    }
  }
}
