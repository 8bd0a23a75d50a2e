package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.temporal.failure.ApplicationFailure;
import org.fleetupgrade.controlplane.drain.DrainSettings;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Control-plane verification against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class ControlPlaneVerificationTest {

  private static final String NODE = "api-platform-cluster-us-east1-b";
  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");
  private static final ControlPlaneMember MEMBER = new ControlPlaneMember(NODE, "us-east1-b", "10.142.0.2",
      "35.237.10.1", ReleaseVersion.parse("v1.30.5"));

  KubernetesClient client;

  private void staticPod(String component, String tag) {
    client.pods().inNamespace("kube-system").resource(new PodBuilder().withNewMetadata().withName(component + "-" + NODE)
        .withNamespace("kube-system").endMetadata().withNewSpec().addNewContainer().withName(component)
        .withImage("registry.k8s.io/" + component + ":" + tag).endContainer().endSpec().build()).createOr(r -> r.update());
  }

  private void kubelet(String version) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().withNewStatus()
        .withNewNodeInfo().withKubeletVersion(version).endNodeInfo().endStatus().build()).createOr(r -> r.update());
  }

  private void clusterConfiguration(String version) {
    client.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata()
        .withName("kubeadm-config").withNamespace("kube-system").endMetadata()
        .addToData("ClusterConfiguration", "apiServer: {}\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
            + "kubernetesVersion: " + version + "\nnetworking:\n  podSubnet: 192.168.0.0/16\n").build()).createOr(r -> r.update());
  }

  @BeforeEach
  void upgradedMember() {
    staticPod("kube-apiserver", "v1.31.2");
    staticPod("kube-controller-manager", "v1.31.2");
    staticPod("kube-scheduler", "v1.31.2");
    kubelet("v1.31.2");
    clusterConfiguration("v1.31.2");
  }

  private Fabric8ControlPlaneCluster cluster() {
    return new Fabric8ControlPlaneCluster(new NodeDrainer(client, DrainSettings.DEFAULT), new ControlPlaneVerifier(client));
  }

  @Test
  void anUpgradedMemberPassesEveryCheck() {
    MemberVerification verification = cluster().verify(MEMBER, TARGET);

    assertThat(verification.checks()).extracting(VerificationCheck::name).containsExactly(
        "kube-system/kube-apiserver-" + NODE + " image tag", "kube-system/kube-controller-manager-" + NODE + " image tag",
        "kube-system/kube-scheduler-" + NODE + " image tag", "node " + NODE + " kubeletVersion",
        "kubeadm-config kubernetesVersion");
    assertThat(verification.passed()).isTrue();
  }

  @Test
  void everyMismatchIsDetectedWithExpectedAndActual() {
    // Given a member where each of the checks is off in its own way
    staticPod("kube-apiserver", "v1.30.5");
    client.pods().inNamespace("kube-system").withName("kube-scheduler-" + NODE).delete();
    kubelet("v1.30.5");
    clusterConfiguration("v1.30.5");

    // When it is verified, then the step fails (retryably) listing every mismatch
    assertThatThrownBy(() -> cluster().verify(MEMBER, TARGET))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ControlPlaneActivities.VERIFICATION_MISMATCH);
          assertThat(e.isNonRetryable()).isFalse();
          assertThat(e.getOriginalMessage()).isEqualTo(NODE + " does not run v1.31.2 yet: "
              + "kube-system/kube-apiserver-" + NODE + " image tag: expected v1.31.2, found v1.30.5; "
              + "kube-system/kube-scheduler-" + NODE + " image tag: expected v1.31.2, found pod missing; "
              + "node " + NODE + " kubeletVersion: expected v1.31.2, found v1.30.5; "
              + "kubeadm-config kubernetesVersion: expected v1.31.2, found v1.30.5");
        });
  }

  @Test
  void theControllerManagerTagIsCheckedToo() {
    staticPod("kube-controller-manager", "v1.31.1");

    assertThatThrownBy(() -> cluster().verify(MEMBER, TARGET))
        .hasMessageContaining("kube-controller-manager-" + NODE + " image tag: expected v1.31.2, found v1.31.1");
  }

  private void readiness(String ready, boolean cordoned) {
    client.nodes().withName(NODE).edit(n -> new NodeBuilder(n).editOrNewSpec().withUnschedulable(cordoned).endSpec()
        .editStatus().withConditions(new io.fabric8.kubernetes.api.model.NodeConditionBuilder().withType("Ready")
            .withStatus(ready).build()).endStatus().build());
  }

  @Test
  void aMemberThatNeedsNothingIsAtTheTargetReadyAndUncordoned() {
    // Given an upgraded member, Ready and taking workloads
    readiness("True", false);

    // When it is inspected (a new run of the upgrade looks before draining), then it is done
    MemberVerification found = cluster().inspect(MEMBER, TARGET);
    assertThat(found.passed()).as(found.failures().toString()).isTrue();
    assertThat(found.checks()).extracting(VerificationCheck::name)
        .contains("node " + NODE + " Ready", "node " + NODE + " takes workloads");
  }

  @Test
  void aMemberStillCordonedOrNotReadyOrBehindIsNotDoneAndInspectingNeverFails() {
    readiness("True", true);
    assertThat(cluster().inspect(MEMBER, TARGET).failures()).extracting(Object::toString)
        .containsExactly("node " + NODE + " takes workloads: expected schedulable, found cordoned");

    readiness("False", false);
    assertThat(cluster().inspect(MEMBER, TARGET).failures()).extracting(Object::toString)
        .containsExactly("node " + NODE + " Ready: expected True, found False");

    staticPod("kube-apiserver", "v1.30.5");
    assertThat(cluster().inspect(MEMBER, TARGET).passed()).isFalse();
  }

  @Test
  void uncordonAfterVerificationMakesTheMemberSchedulable() {
    cluster().uncordon(MEMBER);
    assertThat(client.nodes().withName(NODE).get().getSpec().getUnschedulable()).isFalse();
  }
}
