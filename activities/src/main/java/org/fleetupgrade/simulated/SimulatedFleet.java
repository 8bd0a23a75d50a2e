package org.fleetupgrade.simulated;

import io.temporal.failure.ApplicationFailure;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.fleetupgrade.controlplane.MemberVerification;
import org.fleetupgrade.controlplane.UpgradeMode;
import org.fleetupgrade.controlplane.VerificationCheck;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.preflight.StageInventory;
import org.fleetupgrade.reboot.node.NodePage;
import org.fleetupgrade.simulated.SimulatedFleetState.ClusterState;
import org.fleetupgrade.simulated.SimulatedFleetState.JournalEntry;
import org.fleetupgrade.simulated.SimulatedFleetState.MemberState;
import org.fleetupgrade.simulated.SimulatedFleetState.NodeState;
import org.fleetupgrade.simulated.SimulatedFleetState.VirtualState;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * An in-memory fleet that models state, not answers: a node's kubelet version changes only when
 * it reboots into an image built for the new version; a member's static pods only when it is
 * upgraded; kubeadm-config only by the first member's {@code apply}. The simulated adapters are
 * thin shells around it. Thread-safe: activities run on several worker threads.
 *
 * <p>In memory by default. {@link #keepStateIn} keeps it in a file as well (simulation.stateFile):
 * loaded at start, written atomically after every change, so a worker killed with SIGKILL and started
 * again finds the fleet as the last one left it, with a journal of every side effect
 * ({@link SimulatedFleetState}).
 */
public final class SimulatedFleet {

  private static final String[] SITE_CODES = {
    "lga", "ams", "syd", "nrt", "gru", "jnb", "bom", "fra", "lhr", "mad", "ord", "sea", "yyz", "mia", "den"
  };

  private final Map<String, Cluster> clusters = new LinkedHashMap<>();
  private final List<SimulatedFault> faults;
  private final Map<SimulatedFault, AtomicInteger> fired = new ConcurrentHashMap<>();
  private final SimulatedTiming timing;
  private final Consumer<String> faultListener;
  private final List<String> changelogNotes;
  private final SimulatedImageRepository imageRepository;
  /** Every side effect so far, in order (kept in the state file; in memory it only grows). */
  private final List<JournalEntry> journal = new ArrayList<>();
  /** Where the state is kept; null: in memory only. */
  private volatile Path stateFile;
  /** What was last written, so an activity that changed nothing writes nothing. */
  private String lastSaved;
  private final Object saving = new Object();
  private final SimulatedAlerts alerts = new SimulatedAlerts();

  public SimulatedFleet(List<SimulatedStage> stages, SimulatedTiming timing, List<SimulatedFault> faults) {
    this(stages, timing, faults, List.of(), message -> { });
  }

  /**
   * @param changelogNotes urgent upgrade notes the simulated changelog reports (none: no acknowledge gate)
   * @param faultListener hears each injected failure, so the demo can show the retry it causes
   */
  public SimulatedFleet(List<SimulatedStage> stages, SimulatedTiming timing, List<SimulatedFault> faults,
      List<String> changelogNotes, Consumer<String> faultListener) {
    this.timing = timing;
    this.faults = List.copyOf(faults);
    this.changelogNotes = List.copyOf(changelogNotes);
    this.faultListener = faultListener;
    for (SimulatedStage stage : stages) {
      clusters.put(stage.name(), new Cluster(stage));
    }
    meanReboot = timing.nodeReboot();
    imageRepository = new SimulatedImageRepository(
        stages.isEmpty() ? ReleaseVersion.of(1, 30, 0) : stages.get(0).currentVersion());
  }

  SimulatedImageRepository imageRepository() {
    return imageRepository;
  }

  /** The Kubernetes version a commit of the images repository builds. */
  ReleaseVersion targetOfCommit(String commit) {
    return ReleaseVersion.parse(imageRepository.versionsOf(commit).get(SimulatedImageRepository.K8S));
  }

  public SimulatedTiming timing() {
    return timing;
  }

  /** What the simulated release channel says is the latest stable release (stable.txt). */
  private volatile ReleaseVersion latestStable = DEFAULT_LATEST_STABLE;

  /**
   * The simulated stable.txt unless configured: recent enough for the demo's targets. A constant
   * string, so the config loader reads it without loading the simulated fleet into a client command.
   */
  public static final String DEFAULT_LATEST_STABLE_VERSION = "v1.32.4";

  public static final ReleaseVersion DEFAULT_LATEST_STABLE = ReleaseVersion.parse(DEFAULT_LATEST_STABLE_VERSION);

  /** Sets the simulated stable.txt: a newer target needs --allow-prerelease, as against the real one. */
  public void latestStable(ReleaseVersion version) {
    this.latestStable = version;
  }

  ReleaseVersion latestStable() {
    return latestStable;
  }

  List<String> changelogNotes() {
    return changelogNotes;
  }

  // ---- persistence ----

  /**
   * Keeps the fleet's state in {@code file} from now on: loads it if it exists (a worker started
   * again), else writes the fleet as configured. The file must describe this fleet (the same stages,
   * members and nodes); delete it to start again from the config.
   */
  public SimulatedFleet keepStateIn(Path file) {
    if (Files.exists(file)) {
      restore(SimulatedFleetState.read(file), file);
    }
    stateFile = file;
    save();
    return this;
  }

  /** Where the state is kept, or null. */
  public Path stateFile() {
    return stateFile;
  }

  /** Writes the state if it changed since the last write (nothing without a state file). */
  void save() {
    Path file = stateFile;
    if (file == null) {
      return;
    }
    synchronized (saving) {
      String json = snapshot().toJson();
      if (!json.equals(lastSaved)) {
        SimulatedFleetState.write(file, json);
        lastSaved = json;
      }
    }
  }

  /** Records a side effect; called under its cluster's lock, so it is saved with the change. */
  void journal(String action, String stage, String target, String detail) {
    synchronized (journal) {
      journal.add(new JournalEntry(System.currentTimeMillis(), action, stage, target, detail));
    }
  }

  /** Every side effect so far, in order. */
  public List<JournalEntry> journal() {
    synchronized (journal) {
      return List.copyOf(journal);
    }
  }

  /** The whole state at one instant: every cluster's lock is held while it is read. */
  private SimulatedFleetState snapshot() {
    List<Cluster> all = new ArrayList<>(clusters.values());
    List<ClusterState> states = new ArrayList<>();
    return underLocks(all, 0, () -> {
      all.forEach(c -> states.add(c.state()));
      List<Integer> counts = faults.stream().map(f -> fired.containsKey(f) ? fired.get(f).get() : 0).toList();
      synchronized (imageRepository) {
        synchronized (journal) {
          return new SimulatedFleetState(SimulatedFleetState.FORMAT, states, imageRepository.state(),
              new java.util.TreeMap<>(kuredLocks), counts, List.copyOf(journal));
        }
      }
    });
  }

  private static <T> T underLocks(List<Cluster> locks, int from, java.util.function.Supplier<T> read) {
    if (from == locks.size()) {
      return read.get();
    }
    synchronized (locks.get(from)) {
      return underLocks(locks, from + 1, read);
    }
  }

  private void restore(SimulatedFleetState state, Path file) {
    if (state.format() != SimulatedFleetState.FORMAT) {
      throw new IllegalStateException(file + ": a simulated fleet state of format " + state.format() + ", not "
          + SimulatedFleetState.FORMAT + ": delete it to start from the config's fleet");
    }
    List<String> inFile = state.clusters().stream().map(ClusterState::name).toList();
    if (!inFile.equals(new ArrayList<>(clusters.keySet()))) {
      throw new IllegalStateException(file + ": its simulated fleet has the stages " + inFile + ", the config "
          + clusters.keySet() + ": delete it to start from the config's fleet");
    }
    for (ClusterState c : state.clusters()) {
      clusters.get(c.name()).restore(c, file);
    }
    imageRepository.restore(state.images());
    kuredLocks.clear();
    kuredLocks.putAll(state.kuredLocks());
    if (state.faultsFired().size() == faults.size()) {
      for (int i = 0; i < faults.size(); i++) {
        fired.computeIfAbsent(faults.get(i), k -> new AtomicInteger()).set(state.faultsFired().get(i));
      }
    }
    synchronized (journal) {
      journal.clear();
      journal.addAll(state.journal());
    }
  }

  /**
   * Wraps an adapter so that each of its activities saves the fleet before it returns or throws:
   * Temporal hears of a step only once what it did is in the state file.
   */
  private Object saving(Object adapter) {
    return Proxy.newProxyInstance(adapter.getClass().getClassLoader(), adapter.getClass().getInterfaces(),
        (proxy, method, args) -> {
          if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
              case "toString" -> "saving " + adapter;
              case "hashCode" -> System.identityHashCode(proxy);
              case "equals" -> proxy == args[0];
              default -> throw new IllegalStateException(method.getName());
            };
          }
          try {
            return method.invoke(adapter, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          } finally {
            save();
          }
        });
  }

  // ---- faults ----

  /** Throws the configured failure if a fault matches and has not fired its number of times yet. */
  void maybeFail(String step, String stage, String target) {
    for (SimulatedFault f : faults) {
      boolean matches = f.step().equals(step)
          && (f.stage() == null || f.stage().equals(stage))
          && (f.target() == null || f.target().equals(target));
      if (matches && fired.computeIfAbsent(f, k -> new AtomicInteger()).getAndIncrement() < f.times()) {
        String message = "simulated fault at " + step + (target == null ? "" : " on " + target) + ": " + f.error();
        faultListener.accept(message + (f.retryable() ? " (retryable)" : " (not retryable)"));
        throw f.retryable()
            ? ApplicationFailure.newFailure(message, "SimulatedFault")
            : ApplicationFailure.newNonRetryableFailure(message, "SimulatedFault");
      }
    }
  }

  /** True once per configured firing: a fault that changes an outcome rather than throwing. */
  boolean fires(String step, String stage, String target) {
    for (SimulatedFault f : faults) {
      boolean matches = f.step().equals(step)
          && (f.stage() == null || f.stage().equals(stage))
          && (f.target() == null || f.target().equals(target));
      if (matches && fired.computeIfAbsent(f, k -> new AtomicInteger()).getAndIncrement() < f.times()) {
        faultListener.accept("simulated fault at " + step + " on " + target + ": " + f.error());
        return true;
      }
    }
    return false;
  }

  /** The mean reboot time of a node in a rollout (server time). */
  private java.time.Duration meanReboot = java.time.Duration.ofMinutes(5);
  private double stragglers;
  private double stragglerFactor = 3;

  /** Reboot times: a mean, the share of nodes that are slower, and how much slower. */
  public void rebootTimes(java.time.Duration mean, double stragglerShare, double factor) {
    this.meanReboot = mean;
    this.stragglers = stragglerShare;
    this.stragglerFactor = factor;
  }

  /** Stable per node (a hash of its name), so a run is repeatable: mean, or mean x factor for stragglers. */
  public java.time.Duration rebootTime(String node) {
    int bucket = Math.floorMod(node.hashCode() * 31 + 17, 1000);
    return bucket < stragglers * 1000 ? java.time.Duration.ofMillis((long) (meanReboot.toMillis() * stragglerFactor))
        : meanReboot;
  }

  /** How many times faults fired at {@code step} so far: lets tests and the demo show the retry. */
  public int faultsFired(String step) {
    return fired.entrySet().stream().filter(e -> e.getKey().step().equals(step))
        .mapToInt(e -> Math.min(e.getValue().get(), e.getKey().times())).sum();
  }

  // ---- the model ----

  Cluster cluster(String stage) {
    Cluster c = clusters.get(stage);
    if (c == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "stage '" + stage + "' is not part of the simulated fleet (known: " + clusters.keySet() + ")", "UnknownStage");
    }
    return c;
  }

  /** What preflight finds: like a real stage's, platform nodes counted, not listed. */
  /** kured's lock per stage: who holds it (a rollout's workflow id). */
  final Map<String, String> kuredLocks = new ConcurrentHashMap<>();

  /** Who holds kured's lock in {@code stage} now, or null. */
  public String kuredLockHolder(String stage) {
    return kuredLocks.get(stage);
  }

  public StageInventory inventory(String stage) {
    StageInventory found = cluster(stage).inventory();
    return StageInventory.counted(found.clusterVersion(), found.members(), found.platformNodes().size(),
        found.virtualNodes());
  }

  /** For tests, the benchmark and the demo: every platform node of a stage with its site. */
  public List<PlatformNode> platformNodes(String stage) {
    return cluster(stage).inventory().platformNodes();
  }

  public ReleaseVersion clusterVersion(String stage) {
    return cluster(stage).kubeadmConfigVersion();
  }

  public HealthReport health(String stage, ReleaseVersion target) {
    return cluster(stage).health(target);
  }

  /** Versions of every platform node, for tests: name -> kubelet version. */
  public Map<String, ReleaseVersion> platformKubelets(String stage) {
    return cluster(stage).platformKubelets();
  }

  /** One instance of every simulated adapter, ready to register with a worker. */
  public List<Object> activities() {
    List<Object> adapters = List.of(new SimulatedChangelogActivities(this), new SimulatedInventoryActivities(this),
        new SimulatedControlPlaneActivities(this), new SimulatedNodeToolingActivities(this),
        new SimulatedImageActivities(this), new SimulatedRebootActivities(this), new SimulatedHealthActivities(this),
        new SimulatedNodeReboots(this), new SimulatedRebootLock(this), alerts);
    return stateFile == null ? adapters : adapters.stream().map(this::saving).toList();
  }

  /** The simulated stages' alerts: none until a test (or the simulation) fires one. */
  public SimulatedAlerts alerts() {
    return alerts;
  }

  public int rebootCount(String stage) {
    return cluster(stage).reboots.get();
  }

  /** How many times a control-plane member of {@code stage} was drained. */
  public int drainCount(String stage) {
    return cluster(stage).drains.get();
  }

  /** How many times {@code kubeadm upgrade apply} ran in {@code stage}. */
  public int applyCount(String stage) {
    return cluster(stage).applies.get();
  }

  /** How many times admin.conf was copied to {@code stage}'s bucket. */
  public int adminConfCopyCount(String stage) {
    return cluster(stage).adminConfCopies.get();
  }

  /** Starts measuring {@link #rebootSpan} and {@link #rebootOrder} anew (the next upgrade). */
  public void newRebootSpan(String stage) {
    Cluster c = cluster(stage);
    synchronized (c) {
      c.firstReboot = 0;
      c.lastBack = 0;
      c.rebootOrder.clear();
    }
  }

  /** The stage's nodes in the order their reboots began. */
  public List<String> rebootOrder(String stage) {
    Cluster c = cluster(stage);
    synchronized (c) {
      return List.copyOf(c.rebootOrder);
    }
  }

  /** From the first node going down to the last one back, in server time. */
  public java.time.Duration rebootSpan(String stage) {
    Cluster c = cluster(stage);
    synchronized (c) {
      return java.time.Duration.ofMillis(c.lastBack - c.firstReboot);
    }
  }

  /** Whether control-plane member {@code member} of {@code stage} is cordoned now. */
  public boolean memberCordoned(String stage, String member) {
    return cluster(stage).memberCordoned(member);
  }

  /** How many of the stage's platform nodes are cordoned now. */
  public long cordoned(String stage) {
    Cluster c = cluster(stage);
    synchronized (c) {
      return c.platform.values().stream().filter(n -> n.cordoned).count();
    }
  }

  /** The stage's boot images now carry {@code version} (what a finished image build does). */
  public void imagesBuilt(String stage, ReleaseVersion version) {
    cluster(stage).imageBuilt(version);
  }

  /** The most nodes a rollout had down at once: in the stage, and at any one site. */
  public int[] mostDown(String stage) {
    Cluster c = cluster(stage);
    synchronized (c) {
      return new int[] {c.maxDown, c.maxDownPerSite};
    }
  }

  static final class Member {
    final String name;
    final String zone;
    final String internalIp;
    final String externalIp;
    ReleaseVersion kubelet;
    ReleaseVersion staticPods;
    boolean cordoned;
    /** The version this member ran kubeadm upgrade apply for (the host's mark), or null. */
    ReleaseVersion applied;

    Member(String name, String zone, String internalIp, String externalIp, ReleaseVersion version) {
      this.name = name;
      this.zone = zone;
      this.internalIp = internalIp;
      this.externalIp = externalIp;
      this.kubelet = version;
      this.staticPods = version;
    }
  }

  static final class Node {
    final String name;
    final String site;
    ReleaseVersion kubelet;
    boolean ready = true;
    /** The kernel's per-boot id: changes only when the node boots. */
    int boot = 1;
    /** While rebooting: when (server time, ms) it is back, and what it comes back with; 0 when up. */
    long backAt;
    ReleaseVersion comesBackWith;
    boolean lost;
    String cordonedBy;
    boolean cordoned;
    /** When our cordon began (server time, ms) and on which boot: the last reboot's time is measured from them. */
    long cordonedAt;
    int cordonedOnBoot;
    /** The last reboot of ours, cordon to uncordon; null before the first. */
    Integer lastRebootSeconds;

    Node(String name, String site, ReleaseVersion kubelet) {
      this.name = name;
      this.site = site;
      this.kubelet = kubelet;
    }
  }

  final class Cluster {
    final SimulatedStage spec;
    final List<Member> members = new ArrayList<>();
    final Map<String, Node> platform = new LinkedHashMap<>();
    final Map<String, Node> virtual = new LinkedHashMap<>();
    final Map<String, String> builds = new LinkedHashMap<>();
    /** ePoxy's ImagesVersion per host, for stages that boot a release. */
    final Map<String, String> hostImages = new LinkedHashMap<>();
    final AtomicInteger reboots = new AtomicInteger();
    /** Control-plane drains so far: a member is drained once per upgrade, not once per run. */
    final AtomicInteger drains = new AtomicInteger();
    /** kubeadm upgrade apply so far: once per upgrade of a stage. */
    final AtomicInteger applies = new AtomicInteger();
    /** Copies of admin.conf to the bucket so far: once per apply. */
    final AtomicInteger adminConfCopies = new AtomicInteger();
    /** The admin.conf the bucket holds: the version whose apply renewed it (the config's at first). */
    ReleaseVersion adminConfInBucket;
    /** The most nodes rebooting at once seen by a rollout, in the stage and at one site. */
    int maxDown;
    int maxDownPerSite;
    /** Server time of the first reboot and of the last node back: a rollout's makespan. */
    long firstReboot;
    long lastBack;
    /** Nodes in the order their reboots began. */
    final List<String> rebootOrder = new ArrayList<>();
    ReleaseVersion kubeadmConfig;
    /** The version the stage's boot images carry: what a rebooting node comes back with. */
    ReleaseVersion bootImage;

    Cluster(SimulatedStage spec) {
      this.spec = spec;
      this.kubeadmConfig = spec.currentVersion();
      this.bootImage = spec.currentVersion();
      this.adminConfInBucket = spec.currentVersion();
      int octet = 10;
      for (String zone : spec.zones()) {
        String name = spec.memberNamePattern().replace("{region}", spec.region()).replace("{zone}", zone);
        members.add(new Member(name, spec.region() + "-" + zone, "10.0.0." + octet, "203.0.113." + octet,
            spec.currentVersion()));
        octet++;
      }
      String domain = spec.project() + ".measurement-lab.org";
      for (int s = 0; s < spec.sites(); s++) {
        String site = SITE_CODES[s % SITE_CODES.length] + String.format("%02d", s / SITE_CODES.length + 1);
        for (int n = 1; n <= spec.nodesPerSite(); n++) {
          String name = "mlab" + n + "-" + site + "." + domain;
          platform.put(name, new Node(name, site, spec.currentVersion()));
        }
      }
      for (int v = 1; v <= spec.virtualNodes(); v++) {
        String name = "vm-" + v + "." + domain;
        virtual.put(name, new Node(name, "cloud", spec.currentVersion()));
      }
    }

    synchronized ClusterState state() {
      return new ClusterState(spec.name(), kubeadmConfig.toString(), bootImage.toString(),
          members.stream().map(m -> new MemberState(m.name, m.kubelet.toString(), m.staticPods.toString(), m.cordoned,
              m.applied == null ? null : m.applied.toString())).toList(),
          platform.values().stream().map(n -> new NodeState(n.name, n.kubelet.toString(), n.ready, n.boot, n.backAt,
              n.comesBackWith == null ? null : n.comesBackWith.toString(), n.lost, n.cordonedBy, n.cordoned,
              n.cordonedAt, n.cordonedOnBoot, n.lastRebootSeconds)).toList(),
          virtual.values().stream().map(n -> new VirtualState(n.name, n.kubelet.toString())).toList(),
          new LinkedHashMap<>(builds), new LinkedHashMap<>(hostImages), reboots.get(), drains.get(), applies.get(),
          maxDown, maxDownPerSite, firstReboot, lastBack, List.copyOf(rebootOrder), adminConfInBucket.toString(),
          adminConfCopies.get());
    }

    synchronized void restore(ClusterState state, Path file) {
      List<String> memberNames = members.stream().map(m -> m.name).toList();
      if (!state.members().stream().map(MemberState::name).toList().equals(memberNames)
          || !state.platform().stream().map(NodeState::name).toList().equals(new ArrayList<>(platform.keySet()))
          || !state.virtual().stream().map(VirtualState::name).toList().equals(new ArrayList<>(virtual.keySet()))) {
        throw new IllegalStateException(file + ": stage " + spec.name() + " has other members or nodes there than"
            + " in the config (" + state.members().size() + " members, " + state.platform().size() + " platform and "
            + state.virtual().size() + " virtual nodes): delete it to start from the config's fleet");
      }
      kubeadmConfig = ReleaseVersion.parse(state.kubeadmConfig());
      bootImage = ReleaseVersion.parse(state.bootImage());
      for (int i = 0; i < members.size(); i++) {
        MemberState m = state.members().get(i);
        members.get(i).kubelet = ReleaseVersion.parse(m.kubelet());
        members.get(i).staticPods = ReleaseVersion.parse(m.staticPods());
        members.get(i).cordoned = m.cordoned();
        members.get(i).applied = m.applied() == null ? null : ReleaseVersion.parse(m.applied());
      }
      // A state file from before admin.conf was modelled: the bucket holds what the cluster runs.
      adminConfInBucket = ReleaseVersion.parse(state.adminConfInBucket() == null ? state.kubeadmConfig()
          : state.adminConfInBucket());
      adminConfCopies.set(state.adminConfCopies());
      for (NodeState saved : state.platform()) {
        Node n = platform.get(saved.name());
        n.kubelet = ReleaseVersion.parse(saved.kubelet());
        n.ready = saved.ready();
        n.boot = saved.boot();
        n.backAt = saved.backAt();
        n.comesBackWith = saved.comesBackWith() == null ? null : ReleaseVersion.parse(saved.comesBackWith());
        n.lost = saved.lost();
        n.cordonedBy = saved.cordonedBy();
        n.cordoned = saved.cordoned();
        n.cordonedAt = saved.cordonedAt();
        n.cordonedOnBoot = saved.cordonedOnBoot();
        n.lastRebootSeconds = saved.lastRebootSeconds();
      }
      for (VirtualState saved : state.virtual()) {
        virtual.get(saved.name()).kubelet = ReleaseVersion.parse(saved.kubelet());
      }
      builds.clear();
      builds.putAll(state.builds());
      hostImages.clear();
      hostImages.putAll(state.hostImages());
      reboots.set(state.reboots());
      drains.set(state.drains());
      applies.set(state.applies());
      maxDown = state.maxDown();
      maxDownPerSite = state.maxDownPerSite();
      firstReboot = state.firstReboot();
      lastBack = state.lastBack();
      rebootOrder.clear();
      rebootOrder.addAll(state.rebootOrder());
    }

    synchronized StageInventory inventory() {
      List<ControlPlaneMember> found = members.stream()
          .map(m -> new ControlPlaneMember(m.name, m.zone, m.internalIp, m.externalIp, m.kubelet)).toList();
      List<PlatformNode> nodes = platform.values().stream().map(n -> new PlatformNode(n.name, n.site)).toList();
      return new StageInventory(kubeadmConfig, found, nodes, new ArrayList<>(virtual.keySet()), nodes.size());
    }

    /** A page of the nodes still to reboot, in name order after {@code after}, as a real stage's. */
    synchronized NodePage page(ReleaseVersion target, String after, int limit) {
      List<PlatformNode> pending = new ArrayList<>();
      int atTarget = 0;
      String last = after;
      List<String> names = platform.keySet().stream().sorted().filter(n -> after == null || n.compareTo(after) > 0)
          .toList();
      int i = 0;
      for (; i < names.size() && pending.size() < limit; i++) {
        Node n = platform.get(names.get(i));
        last = n.name;
        if (n.kubelet.equals(target)) {
          atTarget++;
        } else {
          pending.add(new PlatformNode(n.name, n.site, n.lastRebootSeconds));
        }
      }
      return new NodePage(pending, last, i < names.size(), platform.size(), atTarget, 0, List.of());
    }

    synchronized ReleaseVersion kubeadmConfigVersion() {
      return kubeadmConfig;
    }

    synchronized Member member(String name) {
      return members.stream().filter(m -> m.name.equals(name)).findFirst().orElseThrow(() ->
          ApplicationFailure.newNonRetryableFailure("no control-plane member " + name + " in " + spec.name(), "UnknownMember"));
    }

    synchronized int drain(String name) {
      Member m = member(name);
      if (!m.cordoned) {
        journal("drain", spec.name(), name, null);
      }
      m.cordoned = true;
      drains.incrementAndGet();
      return 3;
    }

    synchronized boolean memberCordoned(String name) {
      return member(name).cordoned;
    }

    synchronized void uncordon(String name) {
      member(name).cordoned = false;
    }

    /** Whether the member's kubelet and static pods run {@code target}: its upgrade has nothing to do. */
    synchronized boolean memberAt(String name, ReleaseVersion target) {
      Member m = member(name);
      return m.kubelet.equals(target) && m.staticPods.equals(target);
    }

    /** kubeadm's rule: apply while the cluster configuration is not yet at the target, node after. */
    synchronized UpgradeMode upgrade(String name, ReleaseVersion target) {
      Member m = member(name);
      if (m.kubelet.equals(target) && m.staticPods.equals(target)) {
        return UpgradeMode.ALREADY_AT_TARGET;
      }
      if (!m.cordoned) {
        throw ApplicationFailure.newNonRetryableFailure(
            "refusing to upgrade " + name + ": it is not drained (cordoned)", "NotDrained");
      }
      UpgradeMode mode = kubeadmConfig.equals(target) ? UpgradeMode.NODE : UpgradeMode.APPLY;
      if (mode == UpgradeMode.APPLY) {
        applies.incrementAndGet();
        kubeadmConfig = target;
        m.applied = target; // the host's mark: admin.conf is this member's to copy
      }
      journal(mode == UpgradeMode.APPLY ? "apply" : "upgrade-node", spec.name(), name, target.toString());
      m.staticPods = target;
      m.kubelet = target;
      return mode;
    }

    /** Whether the member ran kubeadm upgrade apply for {@code target} (the host's mark). */
    synchronized boolean appliedHere(String name, ReleaseVersion target) {
      return target.equals(member(name).applied);
    }

    /**
     * The script's copy_admin_conf on the member that applied {@code target}: copies its admin.conf
     * unless the bucket holds it already; true when it copied.
     */
    synchronized boolean copyAdminConf(String name, ReleaseVersion target) {
      if (target.equals(adminConfInBucket)) {
        return false;
      }
      adminConfInBucket = target;
      adminConfCopies.incrementAndGet();
      journal("admin-conf", spec.name(), name, target.toString());
      return true;
    }

    synchronized MemberVerification verify(String name, ReleaseVersion target) {
      Member m = member(name);
      String want = target.toString();
      List<VerificationCheck> checks = List.of(
          new VerificationCheck("kube-apiserver-" + name + " image tag", want, m.staticPods.toString()),
          new VerificationCheck("kube-controller-manager-" + name + " image tag", want, m.staticPods.toString()),
          new VerificationCheck("kube-scheduler-" + name + " image tag", want, m.staticPods.toString()),
          new VerificationCheck("node " + name + " kubeletVersion", want, m.kubelet.toString()),
          new VerificationCheck("kubeadm-config kubernetesVersion", want, kubeadmConfig.toString()));
      return new MemberVerification(name, checks);
    }

    synchronized boolean upgradeVirtual(String name, ReleaseVersion target) {
      Node n = virtual.get(name);
      if (n.kubelet.equals(target)) {
        return false;
      }
      n.kubelet = target;
      journal("tooling", spec.name(), name, target.toString());
      return true;
    }

    synchronized String recordBuild(String ref, String what) {
      return builds.computeIfAbsent(ref + "@" + what, k -> {
        String id = "sim-build-" + spec.name() + "-" + (builds.size() + 1);
        journal("build", spec.name(), ref, id);
        return id;
      });
    }

    /** Every platform node boots the release; the ones not already pointed at it are returned. */
    synchronized List<String> pointHosts(String imagesVersion) {
      List<String> changed = new ArrayList<>();
      for (String node : platform.keySet()) {
        if (!imagesVersion.equals(hostImages.put(node, imagesVersion))) {
          changed.add(node);
        }
      }
      return changed;
    }

    synchronized int platformCount() {
      return platform.size();
    }

    synchronized void imageBuilt(ReleaseVersion version) {
      bootImage = version;
    }

    synchronized Node platformNode(String name) {
      Node n = platform.get(name);
      if (n == null) {
        throw ApplicationFailure.newNonRetryableFailure("no platform node " + name + " in " + spec.name(), "UnknownNode");
      }
      return n;
    }

    /** Writes kured's sentinel, in effect: the node goes down and boots whatever image the stage has. */
    synchronized void startReboot(Node n) {
      n.ready = false;
      reboots.incrementAndGet();
      journal("reboot", spec.name(), n.name, "boot-" + n.boot);
    }

    synchronized void finishReboot(Node n) {
      n.kubelet = bootImage;
      n.ready = true;
    }

    /**
     * A rollout's reboot of one node, in server time (time skipping moves it): it goes down now and
     * is back {@code takes} later on the stage's boot image, unless a fault says otherwise.
     */
    synchronized void rebootAt(Node n, long now, java.time.Duration takes, boolean lost, boolean oldImage) {
      // What a budget must bound: nodes rebooting at once, in the stage and at this node's site (a lost node
      // is failed, out of the window, and not counted).
      platform.values().forEach(other -> look(other, now));
      long down = platform.values().stream().filter(o -> o.backAt > 0 && !o.lost).count() + 1;
      long downAtSite = platform.values().stream().filter(o -> o.backAt > 0 && !o.lost && o.site.equals(n.site)).count() + 1;
      firstReboot = firstReboot == 0 ? now : Math.min(firstReboot, now);
      lastBack = Math.max(lastBack, now + takes.toMillis());
      maxDown = Math.max(maxDown, (int) down);
      maxDownPerSite = Math.max(maxDownPerSite, (int) downAtSite);
      n.ready = false;
      n.backAt = now + takes.toMillis();
      n.lost = lost;
      n.comesBackWith = oldImage ? n.kubelet : bootImage;
      reboots.incrementAndGet();
      rebootOrder.add(n.name);
      journal("reboot", spec.name(), n.name, "boot-" + n.boot);
    }

    /** Brings back a node whose reboot is over by {@code now}. */
    synchronized Node look(Node n, long now) {
      if (n.backAt > 0 && now >= n.backAt && !n.lost) {
        n.backAt = 0;
        n.boot++;
        n.kubelet = n.comesBackWith;
        n.ready = true;
      }
      return n;
    }

    synchronized ReleaseVersion bootImage() {
      return bootImage;
    }

    synchronized HealthReport health(ReleaseVersion target) {
      int total = 0;
      int ready = 0;
      int atTarget = 0;
      List<String> problems = new ArrayList<>();
      for (Member m : members) {
        total++;
        ready++;
        atTarget += m.kubelet.equals(target) ? 1 : 0;
      }
      for (Node n : platform.values()) {
        total++;
        ready += n.ready ? 1 : 0;
        atTarget += n.ready && n.kubelet.equals(target) ? 1 : 0;
        if (!n.ready && problems.size() < HealthReport.MAX_PROBLEMS) {
          problems.add("node " + n.name + " NotReady");
        }
      }
      for (Node n : virtual.values()) {
        total++;
        ready++;
        atTarget += n.kubelet.equals(target) ? 1 : 0;
      }
      return new HealthReport(total, ready, atTarget, problems);
    }

    synchronized Map<String, ReleaseVersion> platformKubelets() {
      Map<String, ReleaseVersion> versions = new LinkedHashMap<>();
      platform.values().forEach(n -> versions.put(n.name, n.kubelet));
      return versions;
    }
  }
}
