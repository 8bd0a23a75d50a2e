package org.fleetupgrade.worker.engine;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.controlplane.ComputeControlPlaneFinder;
import org.fleetupgrade.controlplane.ControlPlaneActivities;
import org.fleetupgrade.controlplane.ControlPlaneActivitiesImpl;
import org.fleetupgrade.controlplane.ControlPlaneVerifier;
import org.fleetupgrade.controlplane.Fabric8ControlPlaneCluster;
import org.fleetupgrade.controlplane.SshMemberUpgrader;
import org.fleetupgrade.controlplane.SshNodeToolingUpgrader;
import org.fleetupgrade.controlplane.StageControlPlane;
import org.fleetupgrade.controlplane.drain.DrainSettings;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.controlplane.script.MemberScriptSettings;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.controlplane.ssh.SshSettings;
import org.fleetupgrade.health.ClusterHealthCheck;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthRules;
import org.fleetupgrade.health.KubernetesHealthActivities;
import org.fleetupgrade.images.ImageActivities;
import org.fleetupgrade.images.OperatorImageActivities;
import org.fleetupgrade.images.PipelineImageActivities;
import org.fleetupgrade.images.StageImagePipeline;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.kubernetes.StageCluster;
import org.fleetupgrade.preflight.InventoryActivities;
import org.fleetupgrade.preflight.RealInventoryActivities;
import org.fleetupgrade.preflight.RealStage;
import org.fleetupgrade.reboot.RebootActivities;
import org.fleetupgrade.reboot.VerifiedRebootActivities;
import org.fleetupgrade.tooling.NodeToolingActivities;
import org.fleetupgrade.tooling.SshNodeToolingActivities;
import org.fleetupgrade.worker.cli.BadInputException;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.config.FleetConfig.Stage;

/**
 * The real adapters of the stages a config does not simulate, one set per stage, sharing one SSH
 * client and one Compute Engine client. Opening fails with the file or setting at fault, so a
 * worker with a bad key path or no cloud credentials never starts half-wired.
 */
public final class RealStages {

  final Map<String, InventoryActivities> inventory = new LinkedHashMap<>();
  final Map<String, ControlPlaneActivities> controlPlane = new LinkedHashMap<>();
  final Map<String, NodeToolingActivities> tooling = new LinkedHashMap<>();
  final Map<String, ImageActivities> images = new LinkedHashMap<>();
  final Map<String, RebootActivities> reboot = new LinkedHashMap<>();
  final Map<String, HealthActivities> health = new LinkedHashMap<>();

  private RealStages() {}

  static RealStages open(FleetConfig config, List<Stage> stages) {
    RealStages real = new RealStages();
    if (stages.isEmpty()) {
      return real;
    }
    FleetConfig.ControlPlane cp = config.controlPlane();
    SshExecutor ssh;
    try {
      ssh = new SshExecutor(new SshSettings(cp.ssh().user(), Path.of(cp.ssh().privateKeyPath()),
          Path.of(cp.ssh().knownHostsPath()), cp.ssh().connectTimeout(), null));
    } catch (IllegalArgumentException e) {
      throw new BadInputException(config.source() + ": controlPlane.ssh: " + e.getMessage());
    }
    ComputeControlPlaneFinder compute;
    try {
      compute = ComputeControlPlaneFinder.connect(cp.computeEndpoint());
    } catch (IOException e) {
      throw new BadInputException("Compute Engine client: " + e.getMessage()
          + " (Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS or the metadata server)");
    }
    ReleaseSources sources = new ReleaseSources(cp.releases().kubernetes(), cp.releases().cniPlugins(), cp.releases().crictl());
    FleetConfig.Health h = config.health();
    HealthRules rules = new HealthRules(h.controlPlaneLabel(), h.virtualNodeSelector(), h.ignoredNamespaces(),
        h.ignoredPodSelectors(), h.ignoredNodeTaints(), 500);
    DrainSettings drain = new DrainSettings(config.drain().timeout(), Duration.ofSeconds(5), config.drain().force());
    Map<String, StageControlPlane> controlPlanes = new LinkedHashMap<>();
    Map<String, RealStage> inventories = new LinkedHashMap<>();
    Map<String, ClusterHealthCheck> checks = new LinkedHashMap<>();
    Map<String, SshNodeToolingActivities.Stage> toolings = new LinkedHashMap<>();
    Map<String, KubernetesClient> clusters = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (Stage stage : stages) {
      FleetConfig.Kubernetes k = stage.kubernetes().orElse(new FleetConfig.Kubernetes(null, null));
      StageCluster cluster;
      try {
        cluster = StageCluster.connect(stage.name(), k.kubeconfig() == null ? null : Path.of(k.kubeconfig()), k.context());
      } catch (RuntimeException e) {
        throw new BadInputException(config.source() + ": stages." + stage.name() + ".kubernetes: " + e.getMessage());
      }
      ClusterNodes nodes = new ClusterNodes(cluster.client(), h.controlPlaneLabel(), h.virtualNodeSelector());
      ControlPlaneVerifier verifier = new ControlPlaneVerifier(cluster.client());
      MemberScriptSettings script = new MemberScriptSettings(stage.project(), cp.arch(), cp.clusterCidr(), cp.serviceCidr(),
          sources, cp.adminConfCopyCommand(), stage.adminConfDestination(), cp.kubeadmTemplate(), (int) cp.readyzTimeout().toSeconds(), cp.ssh().port());
      controlPlanes.put(stage.name(), new StageControlPlane(
          new Fabric8ControlPlaneCluster(new NodeDrainer(cluster.client(), drain), verifier),
          new SshMemberUpgrader(ssh, script, cp.scriptTimeout())));
      inventories.put(stage.name(), new RealStage(stage.project(), stage.region(), stage.zones(), cp.namePattern(), compute,
          cluster, nodes, verifier));
      checks.put(stage.name(), new ClusterHealthCheck(cluster.client(), rules));
      toolings.put(stage.name(), new SshNodeToolingActivities.Stage(nodes,
          new SshNodeToolingUpgrader(ssh, cp.arch(), sources, cp.ssh().port(), cp.scriptTimeout())));
      clusters.put(stage.name(), cluster.client());
      names.add(stage.name());
    }
    ControlPlaneActivitiesImpl controlPlaneActivities = new ControlPlaneActivitiesImpl(controlPlanes);
    RealInventoryActivities inventoryActivities = new RealInventoryActivities(inventories);
    KubernetesHealthActivities healthActivities = new KubernetesHealthActivities(checks);
    SshNodeToolingActivities toolingActivities = new SshNodeToolingActivities(toolings);
    OperatorImageActivities byHand = new OperatorImageActivities(config.images().repository());
    Map<String, StageImagePipeline> piped = ImagePipelines.open(config, stages);
    PipelineImageActivities pipelines = new PipelineImageActivities(piped);
    VerifiedRebootActivities rebootActivities = new VerifiedRebootActivities(clusters);
    for (String name : names) {
      real.inventory.put(name, inventoryActivities);
      real.controlPlane.put(name, controlPlaneActivities);
      real.health.put(name, healthActivities);
      real.tooling.put(name, toolingActivities);
      real.images.put(name, piped.containsKey(name) ? pipelines : byHand);
      real.reboot.put(name, rebootActivities);
    }
    return real;
  }
}
