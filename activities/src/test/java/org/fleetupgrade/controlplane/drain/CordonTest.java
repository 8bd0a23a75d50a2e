package org.fleetupgrade.controlplane.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

/** Cordon and uncordon against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class CordonTest {

  KubernetesClient client;

  @Test
  void cordonAndUncordonAreIdempotent() {
    // Given a schedulable control-plane node
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("api-platform-cluster-us-east1-b").endMetadata()
        .build()).create();
    NodeDrainer drainer = new NodeDrainer(client, DrainSettings.DEFAULT);

    // When it is cordoned twice
    drainer.cordon("api-platform-cluster-us-east1-b");
    drainer.cordon("api-platform-cluster-us-east1-b");

    // Then it is unschedulable
    assertThat(client.nodes().withName("api-platform-cluster-us-east1-b").get().getSpec().getUnschedulable()).isTrue();

    // When it is uncordoned twice, then it is schedulable again
    drainer.uncordon("api-platform-cluster-us-east1-b");
    drainer.uncordon("api-platform-cluster-us-east1-b");
    assertThat(client.nodes().withName("api-platform-cluster-us-east1-b").get().getSpec().getUnschedulable()).isFalse();
  }

  @Test
  void aMissingNodeIsNamed() {
    assertThatThrownBy(() -> new NodeDrainer(client, DrainSettings.DEFAULT).cordon("nowhere"))
        .isInstanceOf(DrainException.class).hasMessage("node nowhere does not exist in the cluster");
  }
}
