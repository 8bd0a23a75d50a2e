package org.fleetupgrade.controlplane.drain;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.fleetupgrade.status.Text;

/**
 * Drains a node the way {@code kubectl drain --ignore-daemonsets --delete-emptydir-data} does, in
 * cluster-api's words: cordon, pods for eviction, evict through the Eviction API (policy/v1, which
 * respects PodDisruptionBudgets), wait until the evicted pods are gone; and uncordon. Every call is
 * idempotent: cordoning a cordoned node or evicting a pod that is gone is fine.
 */
public final class NodeDrainer {

  static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
  private static final int PAGE = 500;

  private final KubernetesClient client;
  private final DrainSettings settings;

  public NodeDrainer(KubernetesClient client, DrainSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  public void cordon(String node) {
    setUnschedulable(node, true);
  }

  public void uncordon(String node) {
    setUnschedulable(node, false);
  }

  /**
   * Uncordons {@code node} if it is cordoned and Ready (after an abort: it serves again, on whatever
   * version it runs); a node that is not Ready stays cordoned. Says which, and why.
   */
  public String uncordonIfReady(String node) {
    Node found = client.nodes().withName(node).get();
    if (found == null) {
      return node + " is not in the cluster: nothing to uncordon";
    }
    if (found.getSpec() == null || !Boolean.TRUE.equals(found.getSpec().getUnschedulable())) {
      return node + " is not cordoned";
    }
    var status = found.getStatus();
    boolean ready = status != null && status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    if (!ready) {
      return node + " is left cordoned: it is not Ready";
    }
    uncordon(node);
    return node + " uncordoned: it is Ready (kubelet " + (status.getNodeInfo() == null ? "unknown"
        : status.getNodeInfo().getKubeletVersion()) + ")";
  }

  /** A JSON merge patch of spec.unschedulable: the same request whatever state the node is in. */
  private void setUnschedulable(String node, boolean unschedulable) {
    if (client.nodes().withName(node).get() == null) {
      throw new DrainException("node " + node + " does not exist in the cluster");
    }
    client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"unschedulable\":" + unschedulable + "}}");
  }

  /** The node's pods, listed page by page with a field selector, sorted into evict, leave alone, refuse. */
  public PodsForEviction podsForEviction(String node) {
    List<Pod> evict = new ArrayList<>();
    List<String> leftAlone = new ArrayList<>();
    List<String> unmanaged = new ArrayList<>();
    String token = null;
    do {
      PodList page = client.pods().inAnyNamespace().withField("spec.nodeName", node)
          .list(new ListOptionsBuilder().withLimit((long) PAGE).withContinue(token).build());
      for (Pod pod : page.getItems()) {
        String id = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        OwnerReference controller = controllerOf(pod);
        if (pod.getMetadata().getAnnotations() != null && pod.getMetadata().getAnnotations().containsKey(MIRROR_ANNOTATION)) {
          leftAlone.add(id + " (mirror pod)");
        } else if (controller != null && "DaemonSet".equals(controller.getKind())) {
          leftAlone.add(id + " (DaemonSet " + controller.getName() + ")");
        } else if (controller == null && !settings.force()) {
          unmanaged.add(id);
        } else {
          evict.add(pod);
        }
      }
      token = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (token != null && !token.isEmpty());
    return new PodsForEviction(evict, leftAlone, unmanaged);
  }

  private static OwnerReference controllerOf(Pod pod) {
    List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
    return owners == null ? null
        : owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
  }

  /**
   * Cordons the node and evicts its pods; refused (budget) evictions are retried until the drain
   * timeout. Pods without a controller stop the drain before anything is evicted, unless force.
   */
  public EvictionResult drain(String node) {
    Instant deadline = Instant.now().plus(settings.timeout());
    Node before = client.nodes().withName(node).get();
    boolean wasCordoned = before != null && before.getSpec() != null
        && Boolean.TRUE.equals(before.getSpec().getUnschedulable());
    cordon(node);
    PodsForEviction pods = podsForEviction(node);
    refuseUnmanaged(node, pods, wasCordoned);
    Map<String, Pod> pending = new LinkedHashMap<>();
    pods.toEvict().forEach(p -> pending.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p));
    List<String> evicted = new ArrayList<>();
    Map<String, BlockedPod> blocked = new LinkedHashMap<>();
    while (true) {
      for (var entry : new ArrayList<>(pending.entrySet())) {
        Pod pod = entry.getValue();
        String refusal = evict(pod);
        if (refusal == null) {
          evicted.add(entry.getKey());
          pending.remove(entry.getKey());
          blocked.remove(entry.getKey());
        } else {
          blocked.put(entry.getKey(), new BlockedPod(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), refusal));
        }
      }
      if (pending.isEmpty() || !Instant.now().plus(settings.retryInterval()).isBefore(deadline)) {
        break;
      }
      pause(settings.retryInterval());
    }
    awaitGone(pods.toEvict().stream().filter(p -> evicted.contains(p.getMetadata().getNamespace() + "/"
        + p.getMetadata().getName())).toList(), deadline);
    return new EvictionResult(node, evicted, pods.leftAlone(), new ArrayList<>(blocked.values()));
  }

  /**
   * Refuses a drain that would evict pods without a controller (unless forced), saying what state
   * the node is left in: uncordoned again (serving as before), cordoned as someone had it before,
   * or cordoned because the config says to keep it so.
   */
  private void refuseUnmanaged(String node, PodsForEviction pods, boolean wasCordoned) {
    if (pods.unmanaged().isEmpty()) {
      return;
    }
    String state;
    if (wasCordoned) {
      state = node + " stays cordoned, as it was before this drain";
    } else if (settings.keepCordonedOnRefusal()) {
      state = node + " is left cordoned (drain.keepCordonedOnRefusal): uncordon it by hand when done";
    } else {
      uncordon(node);
      state = node + " was uncordoned again: it serves as before";
    }
    throw new DrainException("refusing to drain " + node + ": " + String.join(", ", pods.unmanaged())
        + " ha" + (pods.unmanaged().size() == 1 ? "s" : "ve") + " no controller, so nothing would recreate "
        + (pods.unmanaged().size() == 1 ? "it" : "them") + "; delete by hand or allow force in the config. " + state);
  }

  /**
   * POSTs an Eviction; null when the pod is evicted (or already gone), else the budget's refusal.
   * Done by hand rather than with PodResource.evict(), which reduces a 429 to false and so loses the
   * message that names the budget.
   */
  String evict(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + name
        + "\",\"namespace\":\"" + namespace + "\"}}";
    String url = client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + namespace + "/pods/"
        + name + "/eviction";
    HttpRequest request = client.getHttpClient().newHttpRequestBuilder().uri(url).post("application/json", body).build();
    HttpResponse<String> response;
    try {
      response = client.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DrainException("interrupted while evicting " + namespace + "/" + name);
    } catch (ExecutionException | TimeoutException e) {
      throw new DrainException("cannot evict " + namespace + "/" + name + ": " + e.getMessage());
    }
    int code = response.code();
    if (code == 200 || code == 201 || code == 404) {
      return null;
    }
    String refusal = refusal(response.body());
    if (code == 429) {
      return refusal;
    }
    throw new DrainException("evicting " + namespace + "/" + name + " failed: HTTP " + code + ": " + refusal);
  }

  /** The API server's words: the budget is named in the status causes, e.g. "The disruption budget web needs 2 ...". */
  private String refusal(String body) {
    if (body == null || body.isBlank()) {
      return "no reason given";
    }
    try {
      Status status = client.getKubernetesSerialization().unmarshal(body, Status.class);
      List<StatusCause> causes = status.getDetails() == null ? List.of() : status.getDetails().getCauses();
      String why = causes == null ? "" : causes.stream().map(StatusCause::getMessage).filter(Objects::nonNull)
          .collect(Collectors.joining("; "));
      return why.isEmpty() ? String.valueOf(status.getMessage()) : why;
    } catch (RuntimeException e) {
      return body.length() > 300 ? body.substring(0, 300) : body;
    }
  }

  /** Evicted pods take their grace period to go; the drain waits for them, polling until its deadline. */
  private void awaitGone(List<Pod> evicted, Instant deadline) {
    List<Pod> remaining = new ArrayList<>(evicted);
    while (!remaining.isEmpty()) {
      remaining.removeIf(p -> {
        Pod now = client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).get();
        return now == null || !Objects.equals(now.getMetadata().getUid(), p.getMetadata().getUid());
      });
      if (remaining.isEmpty()) {
        return;
      }
      if (!Instant.now().plus(settings.retryInterval()).isBefore(deadline)) {
        throw new DrainException("evicted pods still on the node after " + Text.duration(settings.timeout()) + ": "
            + remaining.stream().map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
                .collect(Collectors.joining(", ")));
      }
      pause(settings.retryInterval());
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DrainException("interrupted");
    }
  }
}
