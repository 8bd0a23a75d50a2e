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
import java.net.URI;
import org.fleetupgrade.reboot.RebootActivities;
import java.time.Clock;
import org.fleetupgrade.reboot.kured.KuredLock;
import org.fleetupgrade.reboot.kured.KuredLockActivities;
import org.fleetupgrade.reboot.kured.KuredLockSettings;
import org.fleetupgrade.reboot.node.KubernetesNodeReboots;
import org.fleetupgrade.reboot.rollout.RebootLockActivities;
import org.fleetupgrade.reboot.trigger.RebootMethod;
import org.fleetupgrade.reboot.node.NodeExclusions;
import org.fleetupgrade.reboot.node.NodeRebootActivities;
import org.fleetupgrade.reboot.node.RebootMechanism;
import org.fleetupgrade.reboot.trigger.RebootApiSettings;
import org.fleetupgrade.reboot.trigger.RebootTrigger;
import org.fleetupgrade.reboot.trigger.RebootTriggers;
import org.fleetupgrade.reboot.trigger.SshTriggerSettings;
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
  final Map<String, NodeRebootActivities> nodes = new LinkedHashMap<>();
  final Map<String, RebootLockActivities> locks = new LinkedHashMap<>();

  private RealStages() {}

  /** A stage's node reboots: its cluster, the drain rules, the configured reboot method, the exclusions. */
  private static KubernetesNodeReboots.Stage nodeReboots(FleetConfig config, Stage stage, KubernetesClient client,
      DrainSettings drain, SshSettings ssh, ClusterNodes nodes) {
    FleetConfig.Rebooting r = stage.rebooting();
    String where = config.source() + ": stages." + stage.name() + ".reboot";
    RebootTrigger trigger;
    try {
      SshTriggerSettings sshTrigger = new SshTriggerSettings(ssh, config.controlPlane().ssh().port(), r.command(),
          r.sentinelPath(), r.triggerTimeout());
      RebootApiSettings api = r.apiUrl() == null ? null : new RebootApiSettings(URI.create(r.apiUrl()), r.apiUser(),
          r.apiPasswordFile() == null ? null : Path.of(r.apiPasswordFile()), r.apiPasswordEnv(), r.triggerTimeout());
      trigger = RebootTriggers.of(r.method(), sshTrigger, api);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(where + ": " + e.getMessage());
    }
    return new KubernetesNodeReboots.Stage(client, new NodeDrainer(client, drain), RebootMechanism.of(trigger),
        r.method().configName(), new NodeExclusions(r.excludeTaints(), r.excludeSelectors()), nodes);
  }

  static RealStages open(FleetConfig config, List<Stage> stages) {
    RealStages real = new RealStages();
    if (stages.isEmpty()) {
      return real;
    }
    FleetConfig.ControlPlane cp = config.controlPlane();
    SshExecutor ssh;
    SshSettings sshSettings;
    try {
      sshSettings = new SshSettings(cp.ssh().user(), Path.of(cp.ssh().privateKeyPath()),
          Path.of(cp.ssh().knownHostsPath()), cp.ssh().connectTimeout(), null,
          cp.ssh().acceptCertificatesWithoutPrincipalsFor());
      ssh = new SshExecutor(sshSettings);
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
    DrainSettings drain = new DrainSettings(config.drain().timeout(), Duration.ofSeconds(5), config.drain().force(),
        config.drain().keepCordonedOnRefusal());
    Map<String, StageControlPlane> controlPlanes = new LinkedHashMap<>();
    Map<String, RealStage> inventories = new LinkedHashMap<>();
    Map<String, ClusterHealthCheck> checks = new LinkedHashMap<>();
    Map<String, SshNodeToolingActivities.Stage> toolings = new LinkedHashMap<>();
    Map<String, KubernetesClient> clusters = new LinkedHashMap<>();
    Map<String, KubernetesNodeReboots.Stage> rebooting = new LinkedHashMap<>();
    Map<String, KuredLock> kuredLocks = new LinkedHashMap<>();
    Map<String, KuredLockSettings> kuredSettings = new LinkedHashMap<>();
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
          sources, stage.adminConf(), cp.kubeadmTemplate(), (int) cp.readyzTimeout().toSeconds(), cp.ssh().port(),
          cp.metadata());
      controlPlanes.put(stage.name(), new StageControlPlane(
          new Fabric8ControlPlaneCluster(new NodeDrainer(cluster.client(), drain), verifier),
          new SshMemberUpgrader(ssh, script, cp.scriptTimeout())));
      inventories.put(stage.name(), new RealStage(stage.project(), stage.region(), stage.zones(), cp.namePattern(), compute,
          cluster, nodes, verifier));
      checks.put(stage.name(), new ClusterHealthCheck(cluster.client(), rules));
      toolings.put(stage.name(), new SshNodeToolingActivities.Stage(nodes,
          new SshNodeToolingUpgrader(ssh, cp.arch(), sources, cp.ssh().port(), cp.scriptTimeout())));
      clusters.put(stage.name(), cluster.client());
      rebooting.put(stage.name(), nodeReboots(config, stage, cluster.client(), drain, sshSettings, nodes));
      // kured must not reboot nodes while we do; with its own sentinel it does the rebooting itself.
      KuredLockSettings kured = stage.rebooting().kured();
      if (kured != null && stage.rebooting().method() != RebootMethod.KURED_SENTINEL) {
        kuredLocks.put(stage.name(), new KuredLock(cluster.client(), kured, Clock.systemUTC()));
        kuredSettings.put(stage.name(), kured);
      }
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
    KubernetesNodeReboots nodeActivities = new KubernetesNodeReboots(rebooting);
    KuredLockActivities lockActivities = new KuredLockActivities(kuredLocks, kuredSettings);
    for (String name : names) {
      real.inventory.put(name, inventoryActivities);
      real.controlPlane.put(name, controlPlaneActivities);
      real.health.put(name, healthActivities);
      real.tooling.put(name, toolingActivities);
      real.images.put(name, piped.containsKey(name) ? pipelines : byHand);
      real.reboot.put(name, rebootActivities);
      real.nodes.put(name, nodeActivities);
      real.locks.put(name, lockActivities);
    }
    return real;
  }
}
