package org.fleetupgrade.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.controlplane.ComputeControlPlaneFinder;
import org.fleetupgrade.controlplane.ControlPlaneVerifier;
import org.fleetupgrade.controlplane.LocalCompute;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.kubernetes.StageCluster;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Preflight of a real stage: Compute Engine on a local HTTP server, the cluster on fabric8's mock. */
@EnableKubernetesMockClient(crud = true)
class RealInventoryActivitiesTest {

  KubernetesClient client;
  private LocalCompute compute;
  private ComputeControlPlaneFinder finder;

  @BeforeEach
  void fleet() throws Exception {
    compute = new LocalCompute();
    finder = ComputeControlPlaneFinder.connect(compute.endpoint());
    List<String> zones = List.of("b", "c", "d");
    for (int i = 0; i < zones.size(); i++) {
      String zone = zones.get(i);
      compute.instance("mlab-oti", "us-east1-" + zone, "RUNNING", "10.142.0." + (i + 2), "35.237.10." + (i + 2));
      node("api-platform-cluster-us-east1-" + zone, "v1.30.5", Map.of("node-role.kubernetes.io/control-plane", ""));
    }
    node("mlab1-lga03.mlab-oti.measurement-lab.org", "v1.30.5", Map.of());
    node("mlab2-lga03.mlab-oti.measurement-lab.org", "v1.30.5", Map.of());
    node("mlab1-ams08.mlab-oti.measurement-lab.org", "v1.30.5", Map.of());
    node("vm-1.mlab-oti.measurement-lab.org", "v1.30.5", Map.of("mlab/type", "virtual"));
    client.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata()
        .withName("kubeadm-config").withNamespace("kube-system").endMetadata()
        .addToData("ClusterConfiguration", "kind: ClusterConfiguration\nkubernetesVersion: v1.30.5\n").build()).create();
  }

  @AfterEach
  void stop() {
    finder.close();
    compute.close();
  }

  private void node(String name, String kubelet, Map<String, String> labels) {
    Node node = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().withNewStatus()
        .withNewNodeInfo().withKubeletVersion(kubelet).endNodeInfo().endStatus().build();
    client.nodes().resource(node).create();
  }

  private RealInventoryActivities inventory() {
    return new RealInventoryActivities(Map.of("production", new RealStage("mlab-oti", "us-east1", List.of("b", "c", "d"),
        "api-platform-cluster-{region}-{zone}", finder, StageCluster.of("production", client),
        new ClusterNodes(client, "node-role.kubernetes.io/control-plane", "mlab/type=virtual"),
        new ControlPlaneVerifier(client))));
  }

  @Test
  void findsMembersInZoneOrderWithTheirKubeletsAndTheNodesBySite() {
    StageInventory found = inventory().inventory("production");

    assertThat(found.clusterVersion()).isEqualTo(ReleaseVersion.parse("v1.30.5"));
    assertThat(found.members()).extracting(ControlPlaneMember::name).containsExactly(
        "api-platform-cluster-us-east1-b", "api-platform-cluster-us-east1-c", "api-platform-cluster-us-east1-d");
    assertThat(found.members().get(0)).isEqualTo(new ControlPlaneMember("api-platform-cluster-us-east1-b", "us-east1-b",
        "10.142.0.2", "35.237.10.2", ReleaseVersion.parse("v1.30.5")));
    assertThat(found.platformTotal()).as("counted; the rollout reads them page by page").isEqualTo(3);
    assertThat(found.platformNodes()).isEmpty();
    assertThat(found.virtualNodes()).containsExactly("vm-1.mlab-oti.measurement-lab.org");
  }

  @Test
  void aVmThatIsNotANodeOfTheClusterStopsPreflight() {
    client.nodes().withName("api-platform-cluster-us-east1-c").delete();

    assertThatThrownBy(() -> inventory().inventory("production"))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(RealInventoryActivities.MEMBER_NOT_A_NODE);
          assertThat(e.getOriginalMessage()).startsWith("stage production: control-plane VM api-platform-cluster-us-east1-c"
              + " in us-east1-c is not a control-plane node of the cluster");
        });
  }
}
