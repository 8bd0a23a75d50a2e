package org.fleetupgrade.controlplane;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.NetworkInterface;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a stage's control-plane VMs with the Compute Engine client: one per zone, named by the
 * configured pattern, with its internal IP (networkInterfaces[0].networkIP), external IP
 * (accessConfigs[0].natIP) and status. A VM that is missing or not RUNNING stops preflight, named
 * by project, zone and name. Credentials are Application Default Credentials; the endpoint can be
 * overridden for proxies and tests (a plain http:// endpoint is used without credentials).
 */
public final class ComputeControlPlaneFinder implements AutoCloseable {

  public static final String VM_MISSING = "ControlPlaneVmMissing";
  public static final String VM_NOT_RUNNING = "ControlPlaneVmNotRunning";
  public static final String VM_MISCONFIGURED = "ControlPlaneVmMisconfigured";

  private final InstancesClient instances;

  public ComputeControlPlaneFinder(InstancesClient instances) {
    this.instances = instances;
  }

  /** A client on Application Default Credentials, or on {@code endpoint} when given. */
  public static ComputeControlPlaneFinder connect(String endpoint) throws IOException {
    InstancesSettings.Builder settings = InstancesSettings.newBuilder();
    if (endpoint != null) {
      settings.setEndpoint(endpoint);
      if (endpoint.startsWith("http://")) {
        settings.setCredentialsProvider(NoCredentialsProvider.create());
      }
    }
    return new ComputeControlPlaneFinder(InstancesClient.create(settings.build()));
  }

  /** The members in zone order; {@code namePattern} has {region} and {zone} placeholders. */
  public List<ControlPlaneVm> find(String project, String region, List<String> zones, String namePattern) {
    List<ControlPlaneVm> found = new ArrayList<>();
    for (String zoneLetter : zones) {
      String zone = region + "-" + zoneLetter;
      String name = namePattern.replace("{region}", region).replace("{zone}", zoneLetter);
      String where = "project " + project + ", zone " + zone + ", instance " + name;
      Instance instance;
      try {
        instance = instances.get(project, zone, name);
      } catch (NotFoundException e) {
        throw ApplicationFailure.newNonRetryableFailure(where + ": not found", VM_MISSING);
      } catch (ApiException e) {
        throw ApplicationFailure.newFailure(where + ": Compute Engine answered " + e.getStatusCode().getCode()
            + ": " + e.getMessage(), "ComputeUnavailable");
      }
      if (!"RUNNING".equals(instance.getStatus())) {
        throw ApplicationFailure.newNonRetryableFailure(where + ": status is " + instance.getStatus()
            + ", not RUNNING", VM_NOT_RUNNING);
      }
      found.add(new ControlPlaneVm(name, zone, internalIp(instance, where), externalIp(instance, where),
          instance.getStatus()));
    }
    return found;
  }

  private static String internalIp(Instance instance, String where) {
    if (instance.getNetworkInterfacesCount() == 0 || instance.getNetworkInterfaces(0).getNetworkIP().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(where + ": has no internal IP (networkInterfaces[0].networkIP)",
          VM_MISCONFIGURED);
    }
    return instance.getNetworkInterfaces(0).getNetworkIP();
  }

  private static String externalIp(Instance instance, String where) {
    NetworkInterface nic = instance.getNetworkInterfaces(0);
    if (nic.getAccessConfigsCount() == 0) {
      throw ApplicationFailure.newNonRetryableFailure(where + ": has no external IP (accessConfigs[0].natIP)",
          VM_MISCONFIGURED);
    }
    AccessConfig access = nic.getAccessConfigs(0);
    if (access.getNatIP().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(where + ": has no external IP (accessConfigs[0].natIP)",
          VM_MISCONFIGURED);
    }
    return access.getNatIP();
  }

  @Override
  public void close() {
    instances.close();
  }
}
