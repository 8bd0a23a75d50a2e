package org.fleetupgrade.worker.config;

import org.fleetupgrade.controlplane.script.AdminConfCopy;
import org.fleetupgrade.controlplane.script.HostMetadata;
import java.net.URI;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Optional;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.reboot.kured.KuredLockSettings;
import org.fleetupgrade.reboot.trigger.RebootMethod;
import org.fleetupgrade.promotion.PromotionMode;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.promotion.WeeklyWindow;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.version.TargetVersions;

/**
 * The whole fleet as config/fleet.yaml describes it, resolved with every default. Secrets are only
 * ever paths here; {@link ConfigLoader} documents each field and its default.
 */
public record FleetConfig(
    Path source,
    Temporal temporal,
    Versions versions,
    ControlPlane controlPlane,
    Drain drain,
    Images images,
    Health health,
    List<Stage> stages,
    Optional<Changelog> changelog,
    Optional<Simulation> simulation,
    Optional<Schedule> schedule) {

  public FleetConfig {
    stages = List.copyOf(stages);
  }

  /**
   * The weekly promotion: when the Temporal Schedule fleet-upgrade-weekly-promotion runs, for the
   * stages whose promotion is {@code scheduled}. Overlapping runs are skipped.
   *
   * @param catchupWindow how late a run missed while the server was down still happens
   * @param jitter a random delay up to this long, so several fleets do not promote at one instant
   */
  public record Schedule(DayOfWeek day, LocalTime time, java.time.ZoneId zone, Duration catchupWindow, Duration jitter) {

    /**
     * The same weekly time as a window in UTC (at the zone's offset at {@code now}), for a server
     * without Schedules, where the gate waits for it in the workflow instead.
     */
    public WeeklyWindow asWindow(java.time.Instant now) {
      java.time.ZonedDateTime local = now.atZone(zone)
          .with(java.time.temporal.TemporalAdjusters.nextOrSame(day)).with(time);
      java.time.ZonedDateTime utc = local.withZoneSameInstant(java.time.ZoneOffset.UTC);
      return new WeeklyWindow(utc.getDayOfWeek(), utc.toLocalTime(), Duration.ofHours(1));
    }

    @Override
    public String toString() {
      return day.getDisplayName(java.time.format.TextStyle.FULL, java.util.Locale.ROOT) + " " + time + " " + zone;
    }
  }

  /** Connection defaults; --address/--namespace and TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE override them. */
  public record Temporal(String address, String namespace, String taskQueue) {}

  /** Default CNI plugins and crictl versions for `start` (the Kubernetes target is always given). */
  public record Versions(String cni, String crictl) {}

  /**
   * How fleet-upgrade logs in to control-plane VMs and platform nodes.
   *
   * @param acceptCertificatesWithoutPrincipalsFor host patterns (as in known_hosts; empty: none) of
   *     the hosts, by the name their key is checked under, whose host certificate may name no host
   *     when a {@code @cert-authority} line for the host trusts its CA (M-Lab's nodes: epoxy-images
   *     signs their host keys without principals); OpenSSH 10.3+ refuses such certificates
   */
  public record Ssh(String user, String privateKeyPath, String knownHostsPath, Duration connectTimeout, int port,
      List<String> acceptCertificatesWithoutPrincipalsFor) {}

  /** Where the upgrade scripts download from (each file checked against its published SHA-256). */
  public record Releases(String kubernetes, String cniPlugins, String crictl) {}

  /**
   * How control-plane members and virtual nodes are upgraded on real stages.
   *
   * @param computeEndpoint Compute Engine endpoint override (proxies, tests); null for the default
   */
  public record ControlPlane(String namePattern, Ssh ssh, String arch, String clusterCidr, String serviceCidr,
      String kubeadmTemplate, Duration readyzTimeout, Duration scriptTimeout, Releases releases, String computeEndpoint,
      HostMetadata metadata) {}

  /**
   * kubectl drain's behaviour on real stages; {@code keepCordonedOnRefusal}: a node whose drain is
   * refused (pods without a controller) stays cordoned instead of serving as before.
   */
  public record Drain(Duration timeout, boolean force, boolean keepCordonedOnRefusal) {}

  /** A real stage's cluster: a kubeconfig and context, or (both null) in-cluster credentials. */
  public record Kubernetes(String kubeconfig, String context) {}

  /**
   * The epoxy-images repository and how builds are awaited, shared by every stage (a stage's own
   * images section overrides any of it). The token is a reference: a file path or an environment
   * variable's name, never the token itself.
   */
  public record Images(String repository, String tokenFile, String tokenEnv, String username, String configFile,
      String mainBranch, String branch, String authorName, String authorEmail, String cacheDir, Duration gitTimeout,
      Duration buildAppearTimeout, Duration buildTimeout, Duration pollInterval) {}

  /**
   * A real stage's image pipeline: its ref policy, the Cloud Build triggers that build it, and (for a
   * stage that boots a release) the ePoxy hosts to point at it.
   *
   * @param buildEndpoint / datastoreEndpoint overrides for proxies and tests; null for Google's
   */
  public record ImagePipeline(Images images, RefPolicy ref, String buildProject, String buildRegion,
      List<String> triggers, String buildEndpoint, String epoxyProject, String epoxyNamespace, String hostPattern,
      String datastoreEndpoint) {

    public ImagePipeline {
      triggers = List.copyOf(triggers);
    }
  }

  /**
   * Where the changelog review reads from. Absent in a simulated config: the simulated changelog is
   * used; present (even in a simulated config): the real files are read over HTTP.
   */
  public record Changelog(URI changelogBase, URI releaseBase, Duration timeout, int attempts) {}

  public record Health(Duration convergenceDeadline, String virtualNodeSelector, String controlPlaneLabel,
      List<String> ignoredNamespaces, List<String> ignoredPodSelectors, List<String> ignoredNodeTaints) {}

  public record Window(DayOfWeek day, LocalTime time, Duration length) {
    public WeeklyWindow weekly() {
      return new WeeklyWindow(day, time, length);
    }
  }

  /**
   * How a real stage's nodes are rebooted and which are left alone (the budget itself travels in
   * {@link RebootBudget}); every field has a default, see ConfigLoader.
   */
  public record Rebooting(RebootMethod method, String command, String sentinelPath, Duration triggerTimeout,
      String apiUrl, String apiUser, String apiPasswordFile, String apiPasswordEnv, List<String> excludeTaints,
      List<String> excludeSelectors, KuredLockSettings kured) {

    public Rebooting {
      excludeTaints = List.copyOf(excludeTaints);
      excludeSelectors = List.copyOf(excludeSelectors);
    }
  }

  /** A simulated stage's shape: present only in demo configs. */
  public record SimulatedShape(String currentVersion, int sites, int nodesPerSite, int virtualNodes) {}

  public record Stage(
      String name,
      String project,
      String region,
      List<String> zones,
      Duration soak,
      PromotionMode promotion,
      Window window,
      RebootBudget reboot,
      Duration convergenceDeadline,
      Optional<SimulatedShape> simulated,
      Optional<Kubernetes> kubernetes,
      AdminConfCopy adminConf,
      Optional<ImagePipeline> images,
      Rebooting rebooting,
      org.fleetupgrade.maintenance.MaintenanceWindow maintenance,
      Alerts alerts) {

    public Stage {
      zones = List.copyOf(zones);
    }

    public StagePlan plan() {
      return plan(null);
    }

    /** The stage's plan, its activities' heartbeat timeout bounded by {@code heartbeatTimeout} (null: their own). */
    public StagePlan plan(Duration heartbeatTimeout) {
      return new StagePlan(name, project, region, zones, convergenceDeadline, reboot,
          new PromotionPolicy(soak, promotion, window == null ? null : window.weekly()), maintenance, heartbeatTimeout,
          alerts == null ? null : alerts.gate());
    }
  }

  /**
   * A stage's alert gate: which firing alerts of which Prometheus or Alertmanager hold its
   * disruptive steps, and how long. Matchers are Prometheus label matchers
   * ({@code severity=~"critical|page"}), already checked by the loader.
   *
   * @param api the {@code prometheus} or the {@code alertmanager} key: which API {@code endpoint} serves
   * @param matchers every one must match an alert for it to block (empty: every firing alert)
   * @param exclude an alert any of these matches never blocks
   * @param proceedWhenUnreachable {@code onUnreachable: proceed}: an unreadable endpoint lets steps go on
   */
  public record Alerts(org.fleetupgrade.alerts.prometheus.AlertSource.Api api, URI endpoint, List<String> matchers,
      List<String> exclude, Duration pollInterval,
      Duration maxPoll, Duration blockAfter, Duration cacheFor, Duration timeout, boolean proceedWhenUnreachable) {

    public Alerts {
      matchers = List.copyOf(matchers);
      exclude = List.copyOf(exclude);
    }

    /** The timing the workflows need (the endpoint stays here). */
    public org.fleetupgrade.alerts.AlertGate gate() {
      return new org.fleetupgrade.alerts.AlertGate(pollInterval, maxPoll, blockAfter, cacheFor);
    }

    /** What the activity reads and how it filters. */
    public org.fleetupgrade.alerts.prometheus.AlertSource source() {
      return new org.fleetupgrade.alerts.prometheus.AlertSource(api, endpoint,
          matchers.stream().map(org.fleetupgrade.alerts.prometheus.AlertMatcher::parse).toList(),
          exclude.stream().map(org.fleetupgrade.alerts.prometheus.AlertMatcher::parse).toList(), timeout,
          proceedWhenUnreachable);
    }
  }

  /**
   * @param urgentNotes what the simulated changelog reports as urgent (any: the upgrade waits for acknowledge)
   * @param latestStable the simulated stable.txt: a newer target needs --allow-prerelease
   * @param stateFile where the simulated fleet's state is kept across worker restarts (null: in memory)
   * @param heartbeatTimeout the heartbeat timeout of every activity of a simulated stage (null: the steps' own)
   */
  public record Simulation(SimulatedTiming timing, List<SimulatedFault> faults, List<String> urgentNotes,
      String latestStable, Path stateFile, Duration heartbeatTimeout) {

    public Simulation(SimulatedTiming timing, List<SimulatedFault> faults, List<String> urgentNotes,
        String latestStable) {
      this(timing, faults, urgentNotes, latestStable, null, null);
    }
  }

  public List<String> stageNames() {
    return stages.stream().map(Stage::name).toList();
  }

  public boolean simulated() {
    return simulation.isPresent();
  }

  /** The request `start` sends: {@code only} narrows the stages (keeping their order) when not empty. */
  public UpgradeRequest request(TargetVersions target, List<String> only) {
    return new UpgradeRequest(target, stages.stream()
        .filter(s -> only.isEmpty() || only.contains(s.name()))
        .map(s -> s.plan(s.simulated().isPresent() ? simulation.map(Simulation::heartbeatTimeout).orElse(null) : null))
        .toList());
  }

  public Optional<Stage> stage(String name) {
    return stages.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The simulated fleet's stages, for `demo`, `dev` and a worker on a demo config. */
  public List<SimulatedStage> simulatedStages() {
    return stages.stream().filter(s -> s.simulated().isPresent()).map(s -> {
      SimulatedShape shape = s.simulated().get();
      return new SimulatedStage(s.name(), s.project(), s.region(), s.zones(), controlPlane.namePattern(),
          org.fleetupgrade.version.ReleaseVersion.parse(shape.currentVersion()), shape.sites(), shape.nodesPerSite(),
          shape.virtualNodes());
    }).toList();
  }
}
