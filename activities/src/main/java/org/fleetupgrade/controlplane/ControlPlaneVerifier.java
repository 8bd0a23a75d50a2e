package org.fleetupgrade.controlplane;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * What "this member runs the target" means, checked through the API: the kube-apiserver,
 * kube-controller-manager and kube-scheduler static pods of the node carry the target tag, the
 * node's kubelet reports it, and the kubeadm-config ConfigMap's ClusterConfiguration says it.
 * Every check is returned with expected and actual, never a bare boolean.
 */
public final class ControlPlaneVerifier {

  static final List<String> STATIC_PODS = List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler");
  private static final Pattern KUBERNETES_VERSION = Pattern.compile("(?m)^kubernetesVersion:\\s*\"?([^\"\\s]+)\"?\\s*$");

  private final KubernetesClient client;

  public ControlPlaneVerifier(KubernetesClient client) {
    this.client = client;
  }

  public MemberVerification verify(String node, ReleaseVersion target) {
    String want = target.toString();
    List<VerificationCheck> checks = new ArrayList<>();
    for (String component : STATIC_PODS) {
      String podName = component + "-" + node;
      Pod pod = client.pods().inNamespace("kube-system").withName(podName).get();
      checks.add(new VerificationCheck("kube-system/" + podName + " image tag", want, imageTag(pod, component)));
    }
    Node n = client.nodes().withName(node).get();
    String kubelet = n == null ? "node missing"
        : n.getStatus() == null || n.getStatus().getNodeInfo() == null ? "not reported"
        : n.getStatus().getNodeInfo().getKubeletVersion();
    checks.add(new VerificationCheck("node " + node + " kubeletVersion", want, kubelet));
    checks.add(new VerificationCheck("kubeadm-config kubernetesVersion", want, clusterVersion()));
    return new MemberVerification(node, checks);
  }

  /**
   * The checks of {@link #verify} plus the node's Ready condition and whether it is cordoned: what
   * a member that needs nothing more looks like.
   */
  public MemberVerification inspect(String node, ReleaseVersion target) {
    List<VerificationCheck> checks = new ArrayList<>(verify(node, target).checks());
    Node n = client.nodes().withName(node).get();
    String ready = n == null ? "node missing" : n.getStatus() == null || n.getStatus().getConditions() == null ? "not reported"
        : n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).map(c -> c.getStatus())
            .findFirst().orElse("not reported");
    checks.add(new VerificationCheck("node " + node + " Ready", "True", ready));
    String schedulable = n == null ? "node missing"
        : n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable()) ? "cordoned" : "schedulable";
    checks.add(new VerificationCheck("node " + node + " takes workloads", "schedulable", schedulable));
    return new MemberVerification(node, checks);
  }

  /** The kubeadm-config ConfigMap's ClusterConfiguration kubernetesVersion, or why there is none. */
  public String clusterVersion() {
    ConfigMap config = client.configMaps().inNamespace("kube-system").withName("kubeadm-config").get();
    if (config == null || config.getData() == null || !config.getData().containsKey("ClusterConfiguration")) {
      return "kubeadm-config missing";
    }
    Matcher m = KUBERNETES_VERSION.matcher(config.getData().get("ClusterConfiguration"));
    return m.find() ? m.group(1) : "no kubernetesVersion";
  }

  private static String imageTag(Pod pod, String component) {
    if (pod == null) {
      return "pod missing";
    }
    List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
    Container container = containers.stream().filter(c -> component.equals(c.getName())).findFirst()
        .orElse(containers.isEmpty() ? null : containers.get(0));
    if (container == null || container.getImage() == null) {
      return "no container image";
    }
    String image = container.getImage();
    int at = image.indexOf('@');
    String withoutDigest = at < 0 ? image : image.substring(0, at);
    int colon = withoutDigest.lastIndexOf(':');
    return colon < 0 || withoutDigest.lastIndexOf('/') > colon ? "untagged " + image : withoutDigest.substring(colon + 1);
  }
}
