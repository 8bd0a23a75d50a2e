package org.fleetupgrade.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.controlplane.script.AdminConfCopy;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.controlplane.ComputeControlPlaneFinder;
import org.fleetupgrade.controlplane.ControlPlaneActivitiesImpl;
import org.fleetupgrade.controlplane.ControlPlaneVerifier;
import org.fleetupgrade.controlplane.Fabric8ControlPlaneCluster;
import org.fleetupgrade.controlplane.LocalCompute;
import org.fleetupgrade.controlplane.SshMemberUpgrader;
import org.fleetupgrade.controlplane.SshNodeToolingUpgrader;
import org.fleetupgrade.controlplane.StageControlPlane;
import org.fleetupgrade.controlplane.drain.DrainSettings;
import org.fleetupgrade.controlplane.drain.NodeDrainer;
import org.fleetupgrade.controlplane.script.MemberScriptSettings;
import org.fleetupgrade.controlplane.script.HostMetadata;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.fleetupgrade.controlplane.ssh.ScriptHost.Reply;
import org.fleetupgrade.controlplane.ssh.SshExecutor;
import org.fleetupgrade.controlplane.ssh.SshSettings;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.health.ClusterHealthCheck;
import org.fleetupgrade.health.HealthRules;
import org.fleetupgrade.health.KubernetesHealthActivities;
import com.google.cloud.devtools.cloudbuild.v1.CloudBuildClient;
import com.google.cloudbuild.v1.Build;
import com.google.protobuf.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.regex.Pattern;
import org.fleetupgrade.images.PipelineImageActivities;
import org.fleetupgrade.images.StageImagePipeline;
import org.fleetupgrade.images.StageImages;
import org.fleetupgrade.images.cloudbuild.BuildTrigger;
import org.fleetupgrade.images.cloudbuild.CloudBuildWatcher;
import org.fleetupgrade.images.cloudbuild.LocalCloudBuild;
import org.fleetupgrade.images.cloudbuild.Sleeper;
import org.fleetupgrade.images.git.EpoxyImagesRepository;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.images.git.RepositorySettings;
import org.fleetupgrade.images.git.Upstream;
import org.fleetupgrade.reboot.kured.KuredDaemonSets;
import org.fleetupgrade.reboot.kured.KuredLock;
import org.fleetupgrade.reboot.kured.KuredLockActivities;
import org.fleetupgrade.reboot.kured.KuredLockSettings;
import org.fleetupgrade.reboot.node.KubernetesNodeReboots;
import org.fleetupgrade.reboot.node.NodeExclusions;
import org.fleetupgrade.reboot.node.RebootMechanism;
import org.fleetupgrade.reboot.trigger.SshRebootTrigger;
import org.fleetupgrade.reboot.trigger.SshTriggerSettings;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.kubernetes.StageCluster;
import org.fleetupgrade.preflight.RealInventoryActivities;
import org.fleetupgrade.preflight.RealStage;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.reboot.VerifiedRebootActivities;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.TimelineEntry;
import org.fleetupgrade.tooling.SshNodeToolingActivities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real stage upgraded end to end by the workflows: Compute Engine on a local HTTP server, the
 * cluster on fabric8's mock API server, members and the virtual node behind the embedded SSH host,
 * whose scripts change the cluster as a real upgrade would; epoxy-images as a bare repository and
 * Cloud Build on a local HTTP server whose "trigger" builds what is pushed; and the platform nodes
 * rebooted over SSH by the sliding-window rollout, the host playing each reboot (a new bootID, the
 * new kubelet) when it receives the reboot command. No operator step.
 */
@EnableKubernetesMockClient(crud = true)
class RealStageUpgradeTest {

  private static final String CP_LABEL = "node-role.kubernetes.io/control-plane";
  private static final List<String> ZONES = List.of("b", "c", "d");

  KubernetesClient client;

  @TempDir
  Path dir;

  private void node(String name, Map<String, String> labels) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewStatus().withNewNodeInfo().withKubeletVersion("v1.30.5").withBootID("boot-1").endNodeInfo()
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .addNewAddress().withType("ExternalIP").withAddress("127.0.0.1").endAddress().endStatus().build()).create();
  }

  private void kubelet(String node, String version) {
    client.nodes().withName(node).edit(n -> new NodeBuilder(n).editStatus().editNodeInfo().withKubeletVersion(version)
        .endNodeInfo().endStatus().build());
  }

  private void staticPods(String member, String version) {
    for (String component : List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
      client.pods().inNamespace("kube-system").resource(new PodBuilder().withNewMetadata().withName(component + "-" + member)
          .withNamespace("kube-system").endMetadata().withNewSpec().withNodeName(member).addNewContainer()
          .withName(component).withImage("registry.k8s.io/" + component + ":" + version).endContainer().endSpec()
          .withNewStatus().withPhase("Running").endStatus().build()).createOr(r -> r.update());
    }
  }

  private void clusterVersion(String version) {
    client.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata().withName("kubeadm-config")
        .withNamespace("kube-system").endMetadata().addToData("ClusterConfiguration", "kubernetesVersion: " + version + "\n")
        .build()).createOr(r -> r.update());
  }

  /**
   * The host's side of a script: what a real member or node upgrade changes in the cluster. A reboot
   * command (one node at a time) boots the node this rollout cordoned on the new image; the session drops.
   */
  private Reply play(String script, String command) {
    if ("sudo systemctl reboot".equals(command)) {
      var kured = client.apps().daemonSets().inNamespace(KuredDaemonSets.NAMESPACE).withName(KuredDaemonSets.NAME).get();
      lockWhileRebooting.add(String.valueOf(kured.getMetadata().getAnnotations().get(KuredDaemonSets.KEY)));
      for (var n : client.nodes().list().getItems()) {
        var annotations = n.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(KubernetesNodeReboots.CORDONED_BY)
            && "boot-1".equals(n.getStatus().getNodeInfo().getBootID())) {
          client.nodes().withName(n.getMetadata().getName()).edit(x -> new NodeBuilder(x).editStatus().editNodeInfo()
              .withBootID("boot-2").withKubeletVersion("v1.31.2").endNodeInfo().endStatus().build());
          rebooted.add(n.getMetadata().getName());
        }
      }
      return Reply.dropAfter();
    }
    String member = script.lines().filter(l -> l.startsWith("MEMBER='")).findFirst().map(l -> l.substring(8, l.length() - 1))
        .orElse(null);
    if (member == null) {
      String node = script.lines().filter(l -> l.startsWith("NODE='")).findFirst().orElseThrow();
      kubelet(node.substring(6, node.length() - 1), "v1.31.2");
      return Reply.exit(0, "==> step kubeadm-upgrade", "==> result node", "==> step done");
    }
    boolean apply = !client.configMaps().inNamespace("kube-system").withName("kubeadm-config").get().getData()
        .get("ClusterConfiguration").contains("v1.31.2");
    if (apply) {
      clusterVersion("v1.31.2");
    }
    staticPods(member, "v1.31.2");
    kubelet(member, "v1.31.2");
    return apply ? Reply.exit(0, "==> step kubeadm-upgrade", "==> result apply", "==> step copy-admin-conf",
        "==> admin-conf copied", "==> step done")
        : Reply.exit(0, "==> step kubeadm-upgrade", "==> result node", "==> step done");
  }

  @Test
  void aRealStageIsUpgradedWithNoOperatorStep() throws Exception {
    Upstream epoxyImages = new Upstream(dir.resolve("epoxy-images"), "export K8S_VERSION=v1.30.5\n"
        + "export K8S_CNI_VERSION=v1.6.0\nexport K8S_CRICTL_VERSION=v1.30.0\n");
    try (LocalCompute compute = new LocalCompute(); ScriptHost host = new ScriptHost();
         LocalCloudBuild cloudBuild = new LocalCloudBuild()) {
      // Cloud Build's trigger on sandbox-*: a pushed branch gets a build that queues, works and succeeds
      cloudBuild.beforeList(server -> trigger(server, epoxyImages));
      // Given a real stage: three control-plane VMs and nodes, two platform nodes, a virtual node, all at v1.30.5
      for (String zone : ZONES) {
        String member = "api-platform-cluster-us-east1-" + zone;
        compute.instance("mlab-sandbox", "us-east1-" + zone, "RUNNING", "10.142.0.2", "127.0.0.1");
        node(member, Map.of(CP_LABEL, ""));
        staticPods(member, "v1.30.5");
      }
      node("mlab1-lga03.mlab-sandbox.measurement-lab.org", Map.of());
      node("mlab2-lga03.mlab-sandbox.measurement-lab.org", Map.of());
      node("vm-1.mlab-sandbox.measurement-lab.org", Map.of("mlab/type", "virtual"));
      clusterVersion("v1.30.5");
      // kured, whose lock the rollout holds while it reboots nodes itself
      client.apps().daemonSets().inNamespace(KuredDaemonSets.NAMESPACE).resource(KuredDaemonSets.daemonSet(null,
          java.util.Map.of(), KuredDaemonSets.MLAB_ARGS)).create();
      host.play = (script, call) -> play(script, host.received.get(host.received.size() - 1).command());

      // Control-plane VMs are checked under their address; platform nodes, reached at their address,
      // under their names (the SSH reboot trigger's host-key alias).
      String hostKey = " " + PublicKeyEntry.toString(host.hostKey.getPublic()) + "\n";
      SshSettings sshSettings = host.settings(dir, "[127.0.0.1]:" + host.port() + hostKey
          + "[*.mlab-sandbox.measurement-lab.org]:" + host.port() + hostKey, host.clientKey, Duration.ofSeconds(10), false);
      try (SshExecutor ssh = new SshExecutor(sshSettings);
           ComputeControlPlaneFinder finder = ComputeControlPlaneFinder.connect(compute.endpoint());
           CloudBuildWatcher builds = new CloudBuildWatcher(CloudBuildClient.create(CloudBuildWatcher.settings(
               cloudBuild.endpoint())), Clock.systemUTC(), Duration.ofMillis(20), Sleeper.THREAD);
           FleetTestEnvironment t = new FleetTestEnvironment(activities(ssh, sshSettings, finder, host.port(),
               pipeline(epoxyImages, builds)))) {
        FleetUpgradeWorkflow upgrade = t.start(FleetTestEnvironment.request(new StagePlan("sandbox", "mlab-sandbox",
            "us-east1", ZONES, Duration.ofHours(2), new RebootBudget(1, 1, Duration.ofMinutes(30)),
            PromotionPolicy.auto(Duration.ZERO))));

        // When the stage runs with no operator: the images are built (branch pushed, build awaited) and
        // the platform nodes rebooted over SSH one at a time
        FleetStatus result = t.result(upgrade);
        assertThat(result.stage("sandbox").members()).extracting(m -> m.mode()).containsExactly("apply", "node", "node");
        StageImages images = result.stage("sandbox").images();
        assertThat(images.release().ref()).isEqualTo("sandbox-v1.31.2");
        assertThat(images.release().commit()).isEqualTo(epoxyImages.ref("refs/heads/sandbox-v1.31.2").name());
        assertThat(images.build().buildId()).isEqualTo("build-" + images.release().commit().substring(0, 8));
        assertThat(epoxyImages.file("refs/heads/sandbox-v1.31.2", "config.sh")).isEqualTo(
            "export K8S_VERSION=v1.31.2\nexport K8S_CNI_VERSION=v1.6.2\nexport K8S_CRICTL_VERSION=v1.31.1\n");

        // Then the stage converges on health read from the API, each node rebooted once, uncordoned
        assertThat(rebooted).containsExactly("mlab1-lga03.mlab-sandbox.measurement-lab.org",
            "mlab2-lga03.mlab-sandbox.measurement-lab.org");
        assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
        assertThat(result.stage("sandbox").lastHealth().converged()).isTrue();
        assertThat(result.stage("sandbox").nodes()).hasToString("6/6");
        assertThat(host.received).as("3 members, 1 virtual node, 2 reboots").hasSize(6);
        assertThat(lockWhileRebooting).as("kured's lock was ours at every reboot").hasSize(2)
            .allMatch(lock -> lock.contains("\"nodeID\":\"fleet-upgrade/fleet-upgrade-v1.31.2/sandbox/rollout\""));
        assertThat(client.apps().daemonSets().inNamespace(KuredDaemonSets.NAMESPACE).withName(KuredDaemonSets.NAME).get()
            .getMetadata().getAnnotations()).as("kured's lock released").doesNotContainKey(KuredDaemonSets.KEY);
        assertThat(client.nodes().withName("mlab2-lga03.mlab-sandbox.measurement-lab.org").get().getSpec()
            .getUnschedulable()).isFalse();
        assertThat(result.timeline()).extracting(TimelineEntry::event)
            .contains("rolling reboot: 2/2 done (2 rebooted, 0 already at target, 0 left alone), 0 in flight, 0 failed, 0 to go")
            .anyMatch(e -> e.startsWith("images pushed: sandbox-v1.31.2 at "))
            .anyMatch(e -> e.startsWith("images built: sandbox-v1.31.2 -> latest (build build-"))
            .noneMatch(e -> e.startsWith("skipped"));
        assertThat(client.nodes().withName("api-platform-cluster-us-east1-b").get().getSpec().getUnschedulable())
            .as("uncordoned after verification").isFalse();
      }
    }
  }

  /** A build per pushed sandbox-* branch head, as mlab-sandbox's trigger does. */
  private static void trigger(LocalCloudBuild server, Upstream repo) {
    try {
      var head = repo.ref("refs/heads/sandbox-v1.31.2");
      if (head != null && built.add(head.name())) {
        Instant now = Instant.now();
        Build queued = Build.newBuilder().setId("build-" + head.name().substring(0, 8)).setBuildTriggerId(TRIGGER)
            .setProjectId("mlab-sandbox").setStatus(Build.Status.QUEUED)
            .setCreateTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
            .putSubstitutions("COMMIT_SHA", head.name()).putSubstitutions("BRANCH_NAME", "sandbox-v1.31.2")
            .setLogUrl("https://console.cloud.google.com/cloud-build/builds/" + head.name().substring(0, 8)).build();
        server.add("projects/mlab-sandbox", queued, Build.Status.WORKING, Build.Status.SUCCESS);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static final String TRIGGER = "images-sandbox";
  private final List<String> rebooted = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> lockWhileRebooting = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final java.util.Set<String> built = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private StageImagePipeline pipeline(Upstream repo, CloudBuildWatcher builds) {
    EpoxyImagesRepository repository = new EpoxyImagesRepository(new RepositorySettings(repo.url(), null,
        dir.resolve("git-cache"), "config.sh", "main", RepositorySettings.DEFAULT_BRANCH_PATTERN, "fleet-upgrade",
        "fleet-upgrade@example.org", Duration.ofSeconds(30)), Clock.systemUTC());
    return new StageImagePipeline(new StageImagePipeline.Settings(RefPolicy.BRANCH,
        new BuildTrigger("mlab-sandbox", "global", List.of(TRIGGER)), Duration.ofMinutes(1), Duration.ofMinutes(5),
        Duration.ofMillis(20), Pattern.compile("^mlab[1-3]")), repository, builds, null);
  }

  private List<Object> activities(SshExecutor ssh, SshSettings sshSettings, ComputeControlPlaneFinder finder,
      int sshPort, StageImagePipeline images) {
    StageCluster cluster = StageCluster.of("sandbox", client);
    ClusterNodes nodes = new ClusterNodes(client, CP_LABEL, "mlab/type=virtual");
    ControlPlaneVerifier verifier = new ControlPlaneVerifier(client);
    MemberScriptSettings script = new MemberScriptSettings("mlab-sandbox", "amd64", "192.168.0.0/16", "172.25.0.0/16",
        ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support-mlab-sandbox/admin.conf"),
        "/etc/kubernetes/kubeadm-config.yml.template", 300, sshPort, HostMetadata.MLAB);
    ChangelogActivities changelog = request -> new ChangelogReview("test", request.oldestCurrent(),
        request.target().kubernetes(), null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), 0);
    return List.of(
        changelog,
        new RealInventoryActivities(Map.of("sandbox", new RealStage("mlab-sandbox", "us-east1", ZONES,
            "api-platform-cluster-{region}-{zone}", finder, cluster, nodes, verifier))),
        new ControlPlaneActivitiesImpl(Map.of("sandbox", new StageControlPlane(
            new Fabric8ControlPlaneCluster(new NodeDrainer(client, DrainSettings.DEFAULT), verifier),
            new SshMemberUpgrader(ssh, script, Duration.ofMinutes(1))))),
        new SshNodeToolingActivities(Map.of("sandbox", new SshNodeToolingActivities.Stage(nodes,
            new SshNodeToolingUpgrader(ssh, "amd64", ReleaseSources.OFFICIAL, sshPort, Duration.ofMinutes(1))))),
        new PipelineImageActivities(Map.of("sandbox", images)),
        new VerifiedRebootActivities(Map.of("sandbox", client)),
        new KuredLockActivities(Map.of("sandbox", new KuredLock(client, KuredLockSettings.DEFAULT, java.time.Clock.systemUTC())),
            Map.of("sandbox", KuredLockSettings.DEFAULT)),
        new KubernetesNodeReboots(Map.of("sandbox", new KubernetesNodeReboots.Stage(client,
            new NodeDrainer(client, DrainSettings.DEFAULT), RebootMechanism.of(new SshRebootTrigger(
                new SshTriggerSettings(sshSettings, sshPort, null, null, null))), "ssh", NodeExclusions.DEFAULT, nodes))),
        new KubernetesHealthActivities(Map.of("sandbox", new ClusterHealthCheck(client, HealthRules.DEFAULT))));
  }
}
