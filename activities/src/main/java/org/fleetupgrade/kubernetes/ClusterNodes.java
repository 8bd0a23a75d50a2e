package org.fleetupgrade.kubernetes;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fleetupgrade.controlplane.VirtualNode;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * A stage's nodes as the API lists them (page by page), sorted by role: control plane (by label),
 * virtual (by selector), platform (the rest, with the site from the {@code mlab/site} label, or
 * else taken from the M-Lab name, mlabN-SITE.project.measurement-lab.org).
 */
public final class ClusterNodes {

  private static final Pattern PLATFORM_NAME = Pattern.compile("mlab\\d+-([a-z]{3}\\d{2})\\..*");
  private static final int PAGE = 500;

  /** What preflight needs: kubelet version by control-plane node, platform nodes, virtual nodes. */
  public record Found(Map<String, ReleaseVersion> controlPlaneKubelets, List<PlatformNode> platform, List<VirtualNode> virtual) {}

  private final KubernetesClient client;
  private final String controlPlaneLabel;
  private final String virtualSelector;

  public ClusterNodes(KubernetesClient client, String controlPlaneLabel, String virtualSelector) {
    this.client = client;
    this.controlPlaneLabel = controlPlaneLabel;
    this.virtualSelector = virtualSelector;
  }

  public Found list() {
    Map<String, ReleaseVersion> controlPlane = new java.util.LinkedHashMap<>();
    List<PlatformNode> platform = new ArrayList<>();
    List<VirtualNode> virtual = new ArrayList<>();
    forEach(node -> {
      String name = node.getMetadata().getName();
      ReleaseVersion kubelet = kubelet(node);
      if (isControlPlane(node)) {
        controlPlane.put(name, kubelet);
      } else if (isVirtual(node)) {
        virtual.add(new VirtualNode(name, address(node), kubelet));
      } else {
        platform.add(new PlatformNode(name, site(node)));
      }
    });
    return new Found(controlPlane, platform, virtual);
  }

  /** Every node of the cluster, read page by page, so no more than a page is held at once. */
  public void forEach(Consumer<Node> each) {
    String token = null;
    do {
      NodeList page = client.nodes().list(new ListOptionsBuilder().withLimit((long) PAGE).withContinue(token).build());
      page.getItems().forEach(each);
      token = page.getMetadata() == null || page.getMetadata().getContinue() == null
          || page.getMetadata().getContinue().isEmpty() ? null : page.getMetadata().getContinue();
    } while (token != null);
  }

  /** A platform node: neither control plane (by label) nor virtual (by selector). */
  public boolean isPlatform(Node node) {
    return !isControlPlane(node) && !isVirtual(node);
  }

  private boolean isControlPlane(Node node) {
    return labels(node).containsKey(controlPlaneLabel);
  }

  private boolean isVirtual(Node node) {
    return matches(labels(node), virtualSelector);
  }

  /** A platform node's site: its {@code mlab/site} label, else from its M-Lab name, else its name. */
  public static String site(Node node) {
    String name = node.getMetadata().getName();
    String label = labels(node).get("mlab/site");
    if (label != null && !label.isBlank()) {
      return label;
    }
    Matcher m = PLATFORM_NAME.matcher(name);
    return m.matches() ? m.group(1) : name;
  }

  private static Map<String, String> labels(Node node) {
    return node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
  }

  /** A selector as config writes it: {@code key} (the label exists) or {@code key=value}. */
  public static boolean matches(Map<String, String> labels, String selector) {
    int eq = selector.indexOf('=');
    return eq < 0 ? labels.containsKey(selector) : selector.substring(eq + 1).equals(labels.get(selector.substring(0, eq)));
  }

  /** A node's kubelet version; null when it reports none or something that is not a release version. */
  private static ReleaseVersion kubelet(Node node) {
    if (node.getStatus() == null || node.getStatus().getNodeInfo() == null) {
      return null;
    }
    try {
      return ReleaseVersion.parse(node.getStatus().getNodeInfo().getKubeletVersion());
    } catch (InvalidVersionException e) {
      return null;
    }
  }

  /** Where SSH reaches a virtual node: its ExternalIP, else its InternalIP, else its name. */
  private static String address(Node node) {
    List<NodeAddress> addresses = node.getStatus() == null || node.getStatus().getAddresses() == null
        ? List.of() : node.getStatus().getAddresses();
    for (String type : List.of("ExternalIP", "InternalIP")) {
      for (NodeAddress a : addresses) {
        if (type.equals(a.getType())) {
          return a.getAddress();
        }
      }
    }
    return node.getMetadata().getName();
  }
}
