package org.fleetupgrade.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real InstancesClient against a local HTTP server answering Compute Engine's REST paths. */
class ComputeControlPlaneFinderTest {

  private static final String PATTERN = "api-platform-cluster-{region}-{zone}";

  private LocalCompute compute;
  private ComputeControlPlaneFinder finder;

  @BeforeEach
  void serve() throws IOException {
    compute = new LocalCompute();
    finder = ComputeControlPlaneFinder.connect(compute.endpoint());
  }

  @AfterEach
  void stop() {
    finder.close();
    compute.close();
  }

  private void instance(String zone, String status, String internalIp, String natIp) {
    compute.instance("mlab-oti", zone, status, internalIp, natIp);
  }

  @Test
  void findsOneRunningMemberPerZoneInZoneOrder() {
    instance("us-east1-b", "RUNNING", "10.142.0.2", "35.237.10.1");
    instance("us-east1-c", "RUNNING", "10.142.0.3", "35.237.10.2");
    instance("us-east1-d", "RUNNING", "10.142.0.4", "35.237.10.3");

    List<ControlPlaneVm> members = finder.find("mlab-oti", "us-east1", List.of("b", "c", "d"), PATTERN);

    assertThat(members).containsExactly(
        new ControlPlaneVm("api-platform-cluster-us-east1-b", "us-east1-b", "10.142.0.2", "35.237.10.1", "RUNNING"),
        new ControlPlaneVm("api-platform-cluster-us-east1-c", "us-east1-c", "10.142.0.3", "35.237.10.2", "RUNNING"),
        new ControlPlaneVm("api-platform-cluster-us-east1-d", "us-east1-d", "10.142.0.4", "35.237.10.3", "RUNNING"));
  }

  @Test
  void aMissingMemberNamesProjectZoneAndInstance() {
    instance("us-east1-b", "RUNNING", "10.142.0.2", "35.237.10.1");

    assertThatThrownBy(() -> finder.find("mlab-oti", "us-east1", List.of("b", "c"), PATTERN))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ComputeControlPlaneFinder.VM_MISSING);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage())
              .isEqualTo("project mlab-oti, zone us-east1-c, instance api-platform-cluster-us-east1-c: not found");
        });
  }

  @Test
  void aMemberThatIsNotRunningStopsPreflightWithItsStatus() {
    instance("us-east1-b", "TERMINATED", "10.142.0.2", "35.237.10.1");

    assertThatThrownBy(() -> finder.find("mlab-oti", "us-east1", List.of("b"), PATTERN))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ComputeControlPlaneFinder.VM_NOT_RUNNING);
          assertThat(e.getOriginalMessage()).isEqualTo(
              "project mlab-oti, zone us-east1-b, instance api-platform-cluster-us-east1-b: status is TERMINATED, not RUNNING");
        });
  }

  @Test
  void aMemberWithoutAnExternalIpIsMisconfigured() {
    instance("us-east1-b", "RUNNING", "10.142.0.2", null);

    assertThatThrownBy(() -> finder.find("mlab-oti", "us-east1", List.of("b"), PATTERN))
        .isInstanceOfSatisfying(ApplicationFailure.class,
            e -> assertThat(e.getType()).isEqualTo(ComputeControlPlaneFinder.VM_MISCONFIGURED))
        .hasMessageContaining("has no external IP (accessConfigs[0].natIP)");
  }
}
