package org.fleetupgrade.worker.config;

import org.fleetupgrade.controlplane.script.AdminConfCopy;
import org.fleetupgrade.controlplane.script.HostMetadata;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
import java.nio.file.AccessDeniedException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fleetupgrade.changelog.ChangelogSources;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.controlplane.script.ShellValues;
import org.fleetupgrade.controlplane.ssh.SshSettings;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.reboot.kured.KuredLockSettings;
import org.fleetupgrade.reboot.trigger.RebootApiSettings;
import org.fleetupgrade.reboot.trigger.RebootMethod;
import org.fleetupgrade.reboot.trigger.SshTriggerSettings;
import org.fleetupgrade.promotion.PromotionMode;
import org.fleetupgrade.maintenance.MaintenanceWindow;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.upgrade.FleetWorkflows;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.worker.config.FleetConfig.ControlPlane;
import org.fleetupgrade.worker.config.FleetConfig.Health;
import org.fleetupgrade.worker.config.FleetConfig.Images;
import org.fleetupgrade.worker.config.FleetConfig.SimulatedShape;
import org.fleetupgrade.worker.config.FleetConfig.Simulation;
import org.fleetupgrade.worker.config.FleetConfig.Ssh;
import org.fleetupgrade.worker.config.FleetConfig.Stage;
import org.fleetupgrade.worker.config.FleetConfig.Temporal;
import org.fleetupgrade.worker.config.FleetConfig.Versions;
import org.fleetupgrade.worker.config.FleetConfig.Window;

/**
 * Reads a fleet config. Every optional field has the default written next to it below (and in
 * README.md); a file with errors is rejected with all of them, never half-loaded.
 */
public final class ConfigLoader {

  /** Bundled with the jar, so `demo` and `dev` work from anywhere. */
  public static final String DEMO_RESOURCE = "/demo.yaml";

  static final Pattern STAGE_NAME = Pattern.compile("[a-z]([a-z0-9-]{0,30}[a-z0-9])?");
  static final Pattern PROJECT = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]");
  static final Pattern REGION = Pattern.compile("[a-z]+-[a-z]+[0-9]");
  static final Pattern ZONE = Pattern.compile("[a-z]");
  static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.-]+:[0-9]{1,5}");
  static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");
  static final Pattern LABEL_SELECTOR = Pattern.compile("[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]*)?");
  static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/{}-]{0,99}");
  static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,99}");
  static final Pattern EMAIL = Pattern.compile("[^\\s<>@]+@[^\\s<>@]+");
  static final Pattern PERSON = Pattern.compile("[^<>\\n\\r]{1,100}");
  static final Pattern CONFIG_PATH = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
  static final Pattern TRIGGER_ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");
  static final Pattern BUILD_REGION = Pattern.compile("global|" + REGION.pattern());
  /** A POSIX user name, as useradd accepts it by default (no '$' suffix, no dots). */
  static final Pattern POSIX_USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
  /** A GCE instance name (RFC 1035 label): the control-plane VMs, their pattern's placeholders filled in. */
  static final Pattern VM_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
  static final Pattern DATASTORE_NAMESPACE = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  /**
   * The most each duration may be, and why. Every duration has one: beyond the field's sense, a
   * value such as soak: 999999999999d would overflow the Instant arithmetic of the timer it feeds.
   */
  record Max(Duration value, String why) {}

  /** A node's reboot trigger runs SSH inside a 2-minute activity (NodeRebootWorkflowImpl). */
  static final Max SSH_CONNECT = new Max(Duration.ofMinutes(1),
      "SSH connects run inside 2-minute activities (a node's reboot trigger)");
  /** The member's script waits for /readyz, inside the member's activity (45m). */
  static final Max READYZ = new Max(Duration.ofMinutes(30), "the wait for /readyz runs inside the member's script");
  /** ControlPlaneActivities run at most 45m (StageUpgradeWorkflowImpl): a longer script is cut off there. */
  static final Max SCRIPT = new Max(Duration.ofMinutes(45),
      "the control-plane activity that runs the script is cut off at 45m");
  /**
   * A member's drain runs in the control-plane activity Temporal cuts off at 45m (a platform node's,
   * which heartbeats, at 2h): the drain's own timeout must come first, with room to report.
   */
  static final Max DRAIN = new Max(Duration.ofMinutes(40),
      "a member's drain runs in an activity cut off at 45m, and must time out before it");
  static final Max GIT = new Max(Duration.ofMinutes(30), "one git fetch or push; a slower one is a network fault");
  /** Appearing and building are awaited in one activity bounded at 24h (StageUpgradeWorkflowImpl). */
  static final Max BUILD_APPEAR = new Max(Duration.ofHours(1),
      "a build is awaited in an activity bounded at 24h, together with its run");
  static final Max BUILD = new Max(Duration.ofHours(23),
      "a build is awaited in an activity bounded at 24h, together with its appearing (Cloud Build's own limit is 24h)");
  static final Max POLL = new Max(Duration.ofMinutes(1),
      "a wait heartbeats once per poll, and Temporal retries an activity silent for 2m");
  /** The review's changelog activity runs 2m (UpgradeReviewWorkflowImpl). */
  static final Max CHANGELOG_TIMEOUT = new Max(Duration.ofMinutes(1),
      "one HTTP request of the changelog review, whose activity runs at most 2m");
  static final Max CONVERGENCE = new Max(Duration.ofDays(7), "a stage not converged within a week should block");
  /** The wave rollout's activity runs for waveTimeout (RollingRebootWorkflowImpl). */
  static final Max WAVE = new Max(Duration.ofHours(24), "one reboot wave of nodes that reboot in minutes");
  static final Max NODE_DEADLINE = new Max(Duration.ofHours(24), "a node not back within a day has failed");
  static final Max FIRST_LOOK = new Max(Duration.ofHours(1), "the first look at a rebooted node, within minutes");
  /** The trigger runs inside a 2-minute activity (NodeRebootWorkflowImpl), SSH connect included. */
  static final Max TRIGGER = new Max(Duration.ofSeconds(90),
      "the reboot trigger runs inside a 2-minute activity");
  static final Max KURED_TTL = new Max(Duration.ofHours(24),
      "a dead worker's lock stops kured for this long");
  /** Weeks of soak are a policy; months are a typo, and years overflow the timer. */
  static final Max SOAK = new Max(Duration.ofDays(90), "a soak is days or weeks");
  static final Max WINDOW = new Max(Duration.ofDays(7), "the window opens once a week");
  static final Max SIMULATED_STEP = new Max(Duration.ofHours(1),
      "a simulated step's wall time (the demo's are milliseconds)");

  static final Max SIMULATED_HEARTBEAT = new Max(Duration.ofMinutes(2),
      "the steps' own heartbeat timeout: the simulated one only shortens it");

  /** Simulated nodes live in the worker's memory; 20,000 is the largest fleet the rollout is tested with. */
  static final int MAX_SIMULATED_NODES = 20_000;
  static final String SIMULATED_WHY = "the simulated fleet is held in the worker's memory (at most "
      + MAX_SIMULATED_NODES + " nodes in all)";

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private ConfigLoader() {}

  public static FleetConfig load(Path file) throws ConfigException {
    return parse(readText(file), file);
  }

  /** A config is a few kilobytes (config/fleet.yaml: about 10 KB); anything past this is the wrong file. */
  static final int MAX_FILE_BYTES = 1 << 20;

  /**
   * A text file as UTF-8, or one error naming the file and why it cannot be used: no such file, a
   * directory, not readable (permission denied), larger than 1 MiB, not UTF-8 text, binary.
   */
  public static String readText(Path file) throws ConfigException {
    if (Files.isDirectory(file)) {
      throw new ConfigException(List.of(file + ": is a directory, not a file"));
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new ConfigException(List.of(file + ": no such file"));
    } catch (AccessDeniedException e) {
      throw new ConfigException(List.of(file + ": not readable: permission denied"));
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": not readable: " + e.getMessage()));
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new ConfigException(List.of(file + ": larger than 1 MiB: not a config file"));
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in, out, true);
    if (result.isError()) {
      throw new ConfigException(List.of(file + ": not UTF-8 text (byte 0x"
          + String.format("%02x", bytes[in.position()] & 0xff) + " at offset " + in.position() + ")"));
    }
    String text = out.flip().toString();
    int nul = text.indexOf('\0');
    if (nul >= 0) {
      throw new ConfigException(List.of(file + ": not text (a NUL character on line " + line(text, nul) + ")"));
    }
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static long line(String text, int index) {
    return text.substring(0, index).chars().filter(c -> c == '\n').count() + 1;
  }

  /** The demo config bundled in the jar (a copy of config/demo.yaml). */
  public static FleetConfig demo() throws ConfigException {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEMO_RESOURCE)) {
      if (in == null) {
        throw new ConfigException(List.of("demo.yaml is missing from the jar"));
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), Path.of("demo.yaml (bundled)"));
    } catch (IOException e) {
      throw new ConfigException(List.of("demo.yaml (bundled): cannot read: " + e.getMessage()));
    }
  }

  static FleetConfig parse(String text, Path file) throws ConfigException {
    String name = file.toString();
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
      Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
      if (duplicate.matches()) {
        // Jackson would keep the last value silently: a key given twice is refused, naming both.
        String path = e.getProcessor() instanceof JsonParser p ? fieldPath(p.getParsingContext()) : duplicate.group(1);
        throw new ConfigException(List.of(name + ": " + path + ": given twice"
            + (where.isEmpty() ? "" : " (again at " + where.substring(0, where.length() - 2) + ")")
            + ": a key may appear once in a mapping"));
      }
      throw new ConfigException(List.of(name + ": " + where + "not valid YAML: " + e.getOriginalMessage()));
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new ConfigException(List.of(name + ": must be a YAML mapping with at least 'stages'"));
    }
    List<String> errors = new ArrayList<>();
    ConfigNode top = new ConfigNode(root, "", name, errors);
    top.allowOnly("temporal", "versions", "controlPlane", "drain", "images", "health", "reboot", "stages", "changelog",
        "simulation", "schedule", "maintenance", "alerts");

    Temporal temporal = temporal(top.child("temporal"));
    Versions versions = versions(top.child("versions"));
    ControlPlane controlPlane = controlPlane(top.child("controlPlane"));
    FleetConfig.Drain drain = drain(top.child("drain"));
    Images images = images(top.child("images"));
    Health health = health(top.child("health"));
    RebootBudget reboot = reboot(top.child("reboot"), new RebootBudget(20, 1, Duration.ofMinutes(30)));
    FleetConfig.Rebooting rebooting = rebooting(top.child("reboot"), DEFAULT_REBOOTING);
    Optional<FleetConfig.Changelog> changelog = top.has("changelog") ? Optional.of(changelog(top.child("changelog")))
        : Optional.empty();
    Optional<Simulation> simulation = top.has("simulation") ? Optional.of(simulation(top.child("simulation"))) : Optional.empty();
    MaintenanceWindow maintenance = top.has("maintenance") ? maintenance(top.child("maintenance")) : null;
    FleetConfig.Alerts alerts = top.has("alerts") ? alerts(top.child("alerts")) : null;
    List<Stage> stages = stages(top, reboot, rebooting, health, images, simulation.isPresent(), maintenance, alerts);
    Optional<FleetConfig.Schedule> schedule = top.has("schedule") ? Optional.ofNullable(schedule(top.child("schedule")))
        : Optional.empty();
    for (int i = 0; i + 1 < stages.size(); i++) {
      if (stages.get(i).promotion() == PromotionMode.SCHEDULED && !top.has("schedule")) {
        errors.add(name + ": stages[" + i + "].promotion: scheduled needs a top-level 'schedule' section"
            + " (e.g. {day: tuesday, time: \"15:00\", timeZone: America/New_York})");
      }
    }
    simulation.ifPresent(sim -> {
      for (int i = 0; i < sim.faults().size(); i++) {
        String stage = sim.faults().get(i).stage();
        if (stage != null && stages.stream().noneMatch(s -> stage.equals(s.name()))) {
          errors.add(name + ": simulation.faults[" + i + "].stage: unknown stage '" + stage + "'");
        }
      }
    });

    if (stages.stream().anyMatch(st -> st.simulated().isEmpty())) {
      requireForRealStages(top.child("controlPlane"), controlPlane);
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new FleetConfig(file, temporal, versions, controlPlane, drain, images, health, stages, changelog, simulation,
        schedule);
  }

  private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'");

  /** The path of the field being read, as errors name it: {@code stages[0].reboot.canary}. */
  private static String fieldPath(JsonStreamContext context) {
    StringBuilder path = new StringBuilder();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        path.insert(0, "[" + c.getCurrentIndex() + "]");
      } else if (c.getCurrentName() != null) {
        path.insert(0, (c.getParent() == null || c.getParent().inRoot() ? "" : ".") + c.getCurrentName());
      }
    }
    return path.toString();
  }

  private static Temporal temporal(ConfigNode n) {
    n.allowOnly("address", "namespace", "taskQueue");
    return new Temporal(
        n.matching("address", "localhost:7233", HOST_PORT, "a host:port", false),
        n.matching("namespace", "default", NAMESPACE, "a Temporal namespace name", false),
        n.matching("taskQueue", FleetWorkflows.TASK_QUEUE, NAMESPACE, "a task queue name", false));
  }

  private static Versions versions(ConfigNode n) {
    n.allowOnly("cni", "crictl");
    String cni = n.parsed("cni", null, t -> ReleaseVersion.parse(t).toString(), false);
    String crictl = n.parsed("crictl", null, t -> ReleaseVersion.parse(t).toString(), false);
    return new Versions(cni, crictl);
  }

  /** Where M-Lab's control-plane VMs keep the template (epoxy-images virtual_ubuntu; the real script reads it there). */
  static final String DEFAULT_KUBEADM_TEMPLATE = "/opt/mlab/conf/kubeadm-config.yml.template";

  private static ControlPlane controlPlane(ConfigNode n) {
    n.allowOnly("namePattern", "ssh", "arch", "clusterCidr", "serviceCidr", "kubeadmTemplate", "readyzTimeout",
        "scriptTimeout", "releases", "computeEndpoint", "metadata", "adminConfCopyCommand");
    if (n.has("adminConfCopyCommand")) {
      // It chose the program that ran as root on the host: gone, not ignored.
      n.error("adminConfCopyCommand", "is no longer read: the member that runs apply copies admin.conf with gsutil"
          + " to stages[].adminConfDestination, with object headers from stages[].adminConfHeaders; remove it");
    }
    ConfigNode m = n.child("metadata");
    m.allowOnly("attribute", "loadBalancerPath");
    String attribute = m.string("attribute", HostMetadata.MLAB.attribute());
    String loadBalancerPath = m.string("loadBalancerPath", HostMetadata.MLAB.loadBalancerPath());
    HostMetadata metadata = HostMetadata.MLAB;
    try {
      metadata = new HostMetadata(attribute, loadBalancerPath);
    } catch (IllegalArgumentException e) {
      n.error("metadata", e.getMessage());
    }
    String pattern = n.parsed("namePattern", "api-platform-cluster-{region}-{zone}", ConfigLoader::namePattern, false);
    if (!pattern.contains("{zone}")) {
      n.error("namePattern", "must contain {zone}: there is one control-plane member per zone");
    }
    ConfigNode s = n.child("ssh");
    s.allowOnly("user", "privateKeyPath", "knownHostsPath", "connectTimeout", "port",
        "acceptCertificatesWithoutPrincipalsFor");
    List<String> noPrincipalsFor = s.strings("acceptCertificatesWithoutPrincipalsFor");
    for (String hostPattern : noPrincipalsFor) {
      try {
        SshSettings.checkHostPattern(hostPattern);
      } catch (IllegalArgumentException e) {
        s.error("acceptCertificatesWithoutPrincipalsFor", e.getMessage());
      }
    }
    Ssh ssh = new Ssh(s.matching("user", "fleet-upgrade", POSIX_USER,
            "a user name (lower-case letters, digits, '_' and '-', at most 32)", false), s.string("privateKeyPath", null),
        s.string("knownHostsPath", null), duration(s, "connectTimeout", Duration.ofSeconds(30), true, SSH_CONNECT),
        s.integer("port", 22, 1, 65535, "a TCP port"), List.copyOf(noPrincipalsFor));
    ConfigNode r = n.child("releases");
    r.allowOnly("kubernetes", "cniPlugins", "crictl");
    ReleaseSources official = ReleaseSources.OFFICIAL;
    FleetConfig.Releases releases = new FleetConfig.Releases(r.string("kubernetes", official.kubernetes()),
        r.string("cniPlugins", official.cniPlugins()), r.string("crictl", official.crictl()));
    try {
      new ReleaseSources(releases.kubernetes(), releases.cniPlugins(), releases.crictl());
    } catch (IllegalArgumentException e) {
      n.error("releases", e.getMessage());
    }
    String arch = n.string("arch", "amd64");
    if (!arch.equals("amd64") && !arch.equals("arm64")) {
      n.error("arch", "'" + arch + "' is not amd64 or arm64");
    }
    // These three reach the upgrade script run as root: checked here as the script checks them.
    return new ControlPlane(pattern, ssh, arch,
        n.parsed("clusterCidr", null, t -> ShellValues.cidr("cluster CIDR", t), false),
        n.parsed("serviceCidr", null, t -> ShellValues.cidr("service CIDR", t), false),
        n.parsed("kubeadmTemplate", DEFAULT_KUBEADM_TEMPLATE, t -> ShellValues.path("kubeadm config template", t), false),
        duration(n, "readyzTimeout", Duration.ofMinutes(5), true, READYZ),
        duration(n, "scriptTimeout", Duration.ofMinutes(45), true, SCRIPT),
        releases, n.string("computeEndpoint", null), metadata);
  }

  /**
   * The control-plane VMs' names: a GCE instance name (lower-case letters, digits, '-', starting
   * with a letter) in which only {region} and {zone} stand for something. The names reach the
   * upgrade script and the Compute Engine API, so nothing else may hide in them.
   */
  static String namePattern(String text) {
    String plain = text.replace("{region}", "r").replace("{zone}", "z");
    if (!VM_NAME.matcher(plain).matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a VM name pattern: lower-case letters, digits and '-',"
          + " starting with a letter, with {region} and {zone} standing for the stage's region and zone");
    }
    return text;
  }

  /** What a real stage cannot do without: SSH key and pinned host keys, the cluster's CIDRs. */
  private static void requireForRealStages(ConfigNode n, ControlPlane c) {
    String why = "is required when a stage is real (not simulated)";
    if (c.ssh().privateKeyPath() == null) {
      n.child("ssh").error("privateKeyPath", why);
    }
    if (c.ssh().knownHostsPath() == null) {
      n.child("ssh").error("knownHostsPath", why);
    }
    if (c.clusterCidr() == null && !n.has("clusterCidr")) { // a bad value is an error of its own
      n.error("clusterCidr", why);
    }
    if (c.serviceCidr() == null && !n.has("serviceCidr")) { // a bad value is an error of its own
      n.error("serviceCidr", why);
    }
  }

  private static FleetConfig.Drain drain(ConfigNode n) {
    n.allowOnly("timeout", "force", "keepCordonedOnRefusal");
    return new FleetConfig.Drain(duration(n, "timeout", Duration.ofMinutes(10), true, DRAIN), n.bool("force", false),
        n.bool("keepCordonedOnRefusal", false));
  }

  /** Shared image settings; {@code base} gives the defaults (the built-in ones at the top level). */
  private static Images images(ConfigNode n, Images base) {
    // A token named here replaces the inherited one, whichever way either is given.
    boolean ownToken = n.has("tokenFile") || n.has("tokenEnv");
    Duration poll = duration(n, "pollInterval", base.pollInterval(), true, POLL);
    return new Images(
        n.parsed("repository", base.repository(), ConfigLoader::repositoryUrl, false),
        n.string("tokenFile", ownToken ? null : base.tokenFile()),
        n.matching("tokenEnv", ownToken ? null : base.tokenEnv(), ENV_NAME, "an environment variable's name", false),
        n.matching("username", base.username(), PERSON, "a user name", false),
        n.parsed("configFile", base.configFile(), ConfigLoader::pathInRepository, false),
        n.matching("mainBranch", base.mainBranch(), BRANCH, "a branch name", false),
        n.parsed("branch", base.branch(), ConfigLoader::branchPattern, false),
        n.matching("authorName", base.authorName(), PERSON, "a name (no < or >)", false),
        n.matching("authorEmail", base.authorEmail(), EMAIL, "an email address", false),
        n.string("cacheDir", base.cacheDir()),
        duration(n, "gitTimeout", base.gitTimeout(), true, GIT),
        duration(n, "buildAppearTimeout", base.buildAppearTimeout(), true, BUILD_APPEAR),
        duration(n, "buildTimeout", base.buildTimeout(), true, BUILD),
        poll);
  }

  static final String[] IMAGES_FIELDS = {"repository", "tokenFile", "tokenEnv", "username", "configFile", "mainBranch",
      "branch", "authorName", "authorEmail", "cacheDir", "gitTimeout", "buildAppearTimeout", "buildTimeout", "pollInterval"};

  static final Images DEFAULT_IMAGES = new Images("https://github.com/m-lab/epoxy-images.git", null, null,
      "x-access-token", "config.sh", "main", "sandbox-{kubernetes}", "fleet-upgrade", "fleet-upgrade@localhost",
      System.getProperty("java.io.tmpdir") + "/fleet-upgrade/git", Duration.ofMinutes(2), Duration.ofMinutes(15),
      Duration.ofHours(3), Duration.ofSeconds(30));

  private static Images images(ConfigNode n) {
    n.allowOnly(IMAGES_FIELDS);
    Images images = images(n, DEFAULT_IMAGES);
    if (images.tokenFile() != null && images.tokenEnv() != null) {
      n.error("tokenEnv", "give tokenFile or tokenEnv, not both");
    }
    return images;
  }

  /** HTTPS (a token must not cross the network in clear), or a local repository (tests, mirrors). */
  static String repositoryUrl(String text) {
    if (text.startsWith("https://") || text.startsWith("file:///")) {
      try {
        URI uri = new URI(text);
        if (uri.getRawUserInfo() != null) {
          // Never repeat the credentials: this message is printed and logged.
          throw new IllegalArgumentException("'" + text.replace(uri.getRawUserInfo() + "@", "***@")
              + "' carries credentials: use tokenFile or tokenEnv");
        }
        return text;
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason());
      }
    }
    if (text.startsWith("/") && !text.contains("..")) {
      return text;
    }
    throw new IllegalArgumentException("'" + text + "' is not an https:// URL or a local path");
  }

  static String pathInRepository(String text) {
    boolean dots = java.util.Arrays.stream(text.split("/")).anyMatch(part -> part.equals(".") || part.equals(".."));
    if (!CONFIG_PATH.matcher(text).matches() || dots) {
      throw new IllegalArgumentException("'" + text + "' is not a path inside the repository (e.g. config.sh)");
    }
    return text;
  }

  static String branchPattern(String text) {
    if (!BRANCH.matcher(text).matches() || text.contains("..") || text.endsWith("/") || text.endsWith(".lock")
        || text.replace("{kubernetes}", "").matches(".*[{}].*")) {
      throw new IllegalArgumentException("'" + text + "' is not a branch name ({kubernetes} may stand for the version)");
    }
    return text;
  }

  /** A stage's image pipeline: present when its images section names Cloud Build triggers. */
  private static Optional<FleetConfig.ImagePipeline> stageImages(ConfigNode s, String stage, String project, Images shared) {
    if (!s.has("images")) {
      return Optional.empty();
    }
    ConfigNode n = s.child("images");
    String[] own = {"ref", "cloudBuild", "epoxy"};
    String[] fields = java.util.stream.Stream.concat(java.util.Arrays.stream(IMAGES_FIELDS), java.util.Arrays.stream(own))
        .toArray(String[]::new);
    n.allowOnly(fields);
    Images images = images(n, shared);
    if (images.tokenFile() != null && images.tokenEnv() != null) {
      n.error("tokenEnv", "give tokenFile or tokenEnv, not both");
    }
    if (images.repository().startsWith("https://") && images.tokenFile() == null && images.tokenEnv() == null) {
      n.error("tokenFile", "is required (or tokenEnv) to push to " + images.repository() + "; it may be set once in"
          + " the top-level images section");
    }
    RefPolicy defaultRef = stage == null ? null : RefPolicy.forStage(stage);
    RefPolicy ref = n.enumValue("ref", RefPolicy.class, defaultRef);
    if (ref == null) {
      n.error("ref", "is required for a stage not named sandbox, staging or production: branch, main or tag");
    }
    ConfigNode b = n.child("cloudBuild");
    b.allowOnly("project", "region", "triggers", "endpoint");
    List<String> triggers = b.strings("triggers");
    if (triggers.isEmpty()) {
      b.error("triggers", "is required: the ids of the Cloud Build triggers that build this stage's images"
          + " (epoxy-images has two: cloudbuild.yaml and cloudbuild-stage1.yaml)");
    }
    triggers.stream().filter(t -> !TRIGGER_ID.matcher(t).matches())
        .forEach(t -> b.error("triggers", "'" + t + "' is not a trigger id"));
    ConfigNode e = n.child("epoxy");
    e.allowOnly("project", "namespace", "hostPattern", "endpoint");
    if (e.present() && ref != RefPolicy.TAG) {
      n.error("epoxy", "only a stage built from a release tag (ref: tag) points ePoxy hosts at its images");
    }
    String hostPattern = e.parsed("hostPattern", "^mlab[1-3]", text -> {
      try {
        Pattern.compile(text);
        return text;
      } catch (java.util.regex.PatternSyntaxException x) {
        throw new IllegalArgumentException("'" + text + "' is not a regular expression: " + x.getDescription());
      }
    }, false);
    return Optional.of(new FleetConfig.ImagePipeline(images, ref == null ? RefPolicy.BRANCH : ref,
        b.matching("project", project, PROJECT, "a GCP project id", false),
        b.matching("region", "global", BUILD_REGION, "global or a GCP region", false),
        triggers,
        b.parsed("endpoint", null, t -> httpUrl(t).toString(), false),
        e.matching("project", project, PROJECT, "a GCP project id", false),
        e.matching("namespace", "ePoxy", DATASTORE_NAMESPACE, "a Datastore namespace", false),
        hostPattern,
        e.parsed("endpoint", null, t -> httpUrl(t).toString(), false)));
  }

  private static Duration duration(ConfigNode n, String field, Duration defaultValue, boolean positive, Max max) {
    return n.duration(field, defaultValue, positive, max.value(), max.why());
  }

  /** An http(s) URL with a host: endpoints and changelog sources. */
  private static URI httpUrl(String text) {
    try {
      URI uri = new URI(text);
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException("'" + text + "' is not an http(s) URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason());
    }
  }

  private static FleetConfig.Changelog changelog(ConfigNode n) {
    n.allowOnly("changelogBaseUrl", "releaseBaseUrl", "timeout", "attempts");
    return new FleetConfig.Changelog(
        url(n, "changelogBaseUrl", ChangelogSources.DEFAULT_CHANGELOG_BASE),
        url(n, "releaseBaseUrl", ChangelogSources.DEFAULT_RELEASE_BASE),
        duration(n, "timeout", Duration.ofSeconds(20), true, CHANGELOG_TIMEOUT),
        n.integer("attempts", 3, 1, 10, "each attempt waits up to the timeout"));
  }

  private static URI url(ConfigNode n, String field, URI defaultValue) {
    return n.parsed(field, defaultValue, ConfigLoader::httpUrl, false);
  }

  private static Health health(ConfigNode n) {
    n.allowOnly("convergenceDeadline", "virtualNodeSelector", "controlPlaneLabel", "ignoredNamespaces",
        "ignoredPodSelectors", "ignoredNodeTaints");
    List<String> selectors = n.strings("ignoredPodSelectors");
    selectors.stream().filter(sel -> !LABEL_SELECTOR.matcher(sel).matches())
        .forEach(sel -> n.error("ignoredPodSelectors", "'" + sel + "' is not a label selector (key or key=value)"));
    return new Health(duration(n, "convergenceDeadline", Duration.ofHours(2), true, CONVERGENCE),
        n.matching("virtualNodeSelector", "mlab/type=virtual", LABEL_SELECTOR, "a label selector (key or key=value)", false),
        n.string("controlPlaneLabel", "node-role.kubernetes.io/control-plane"), n.strings("ignoredNamespaces"), selectors,
        n.has("ignoredNodeTaints") ? n.strings("ignoredNodeTaints") : List.of("lame-duck"));
  }

  /** Nodes in flight at most: each is named in the rollout's carried-over state (about 100 bytes). */
  static final int MAX_IN_FLIGHT = 1_000;

  static final String[] REBOOT_FIELDS = {"maxUnavailable", "maxPerSite", "waveTimeout", "canary", "maxFailedNodes",
      "nodeDeadline", "firstLook", "method", "command", "sentinelPath", "triggerTimeout", "api", "exclude", "kured"};

  private static RebootBudget reboot(ConfigNode n, RebootBudget defaults) {
    n.allowOnly(REBOOT_FIELDS);
    return new RebootBudget(n.integer("maxUnavailable", defaults.maxUnavailable(), 1, MAX_IN_FLIGHT,
        "the rollout carries the nodes in flight across continue-as-new, and that payload must stay small"),
        n.integer("maxPerSite", defaults.maxPerSite(), 1, MAX_IN_FLIGHT, "no more nodes than may be in flight at all"),
        duration(n, "waveTimeout", defaults.waveTimeout(), true, WAVE),
        n.integer("canary", defaults.limits().canary(), 0, 100, "canaries reboot before the window opens; more is a"
            + " rollout without a window"),
        n.integer("maxFailedNodes", defaults.limits().maxFailedNodes(), 0, MAX_IN_FLIGHT, "failed nodes stay cordoned"
            + " and are named in the rollout's state, which must stay small"),
        duration(n, "nodeDeadline", defaults.deadlinePerNode(), true, NODE_DEADLINE),
        duration(n, "firstLook", defaults.lookAfter(), true, FIRST_LOOK));
  }

  static final FleetConfig.Rebooting DEFAULT_REBOOTING = new FleetConfig.Rebooting(RebootMethod.SSH,
      "sudo systemctl reboot", "/run/mlab-reboot", Duration.ofSeconds(30), null, null, null, null, List.of("lame-duck"),
      List.of(), KuredLockSettings.DEFAULT);

  /** How nodes are rebooted: read from the same reboot mapping as the budget (fields checked there). */
  private static FleetConfig.Rebooting rebooting(ConfigNode n, FleetConfig.Rebooting base) {
    RebootMethod method = n.parsed("method", base.method(), RebootMethod::parse, false);
    String command = n.parsed("command", base.command(), SshTriggerSettings::checkCommand, false);
    String sentinel = n.parsed("sentinelPath", base.sentinelPath(), SshTriggerSettings::checkSentinel, false);
    Duration timeout = duration(n, "triggerTimeout", base.triggerTimeout(), true, TRIGGER);
    ConfigNode api = n.child("api");
    api.allowOnly("url", "username", "passwordFile", "passwordEnv");
    String url = api.parsed("url", base.apiUrl(), t -> httpUrl(t).toString(), false);
    String user = api.string("username", base.apiUser());
    String passwordFile = api.string("passwordFile", base.apiPasswordFile());
    String passwordEnv = api.matching("passwordEnv", base.apiPasswordEnv(), ENV_NAME, "an environment variable's name", false);
    if (method == RebootMethod.REBOOT_API) {
      if (url == null) {
        api.error("url", "is required when method is reboot-api (M-Lab's reboot service, e.g. https://reboot.example.org)");
      } else {
        try {
          new RebootApiSettings(URI.create(url), user, passwordFile == null ? null : Path.of(passwordFile), passwordEnv,
              timeout);
        } catch (IllegalArgumentException e) {
          api.error(null, e.getMessage());
        }
      }
    }
    ConfigNode exclude = n.child("exclude");
    exclude.allowOnly("taints", "selectors");
    List<String> selectors = exclude.has("selectors") ? exclude.strings("selectors") : base.excludeSelectors();
    selectors.stream().filter(sel -> !LABEL_SELECTOR.matcher(sel).matches())
        .forEach(sel -> exclude.error("selectors", "'" + sel + "' is not a label selector (key or key=value)"));
    ConfigNode k = n.child("kured");
    k.allowOnly("enabled", "namespace", "daemonSet", "annotation", "ttl");
    KuredLockSettings kured = null;
    boolean enabled = k.bool("enabled", base.kured() != null);
    if (enabled) {
      KuredLockSettings from = base.kured() == null ? KuredLockSettings.DEFAULT : base.kured();
      try {
        kured = new KuredLockSettings(k.matching("namespace", from.namespace(), NAMESPACE, "a namespace", false),
            k.matching("daemonSet", from.daemonSet(), NAMESPACE, "a DaemonSet name", false),
            k.matching("annotation", from.annotation(), LABEL_SELECTOR, "an annotation key", false),
            duration(k, "ttl", from.ttl(), true, KURED_TTL));
      } catch (IllegalArgumentException e) {
        k.error(null, e.getMessage());
      }
    }
    return new FleetConfig.Rebooting(method, command, sentinel, timeout, url, user, passwordFile, passwordEnv,
        exclude.has("taints") ? exclude.strings("taints") : base.excludeTaints(), selectors, kured);
  }

  private static List<Stage> stages(ConfigNode top, RebootBudget reboot, FleetConfig.Rebooting rebooting, Health health,
      Images images, boolean simulation, MaintenanceWindow maintenance, FleetConfig.Alerts alerts) {
    if (!top.has("stages")) {
      top.error("stages", "is required: list the stages in promotion order");
      return List.of();
    }
    List<ConfigNode> items = top.list("stages");
    if (items.isEmpty()) {
      top.error("stages", "must list at least one stage");
    }
    List<Stage> stages = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode s : items) {
      s.allowOnly("name", "project", "region", "zones", "soak", "promotion", "window", "reboot",
          "convergenceDeadline", "simulated", "kubernetes", "adminConfDestination", "adminConfHeaders", "images",
          "maintenance", "alerts");
      String name = s.matching("name", null, STAGE_NAME, "a stage name (lower-case letters, digits, '-')", true);
      if (name != null && !names.add(name)) {
        s.error("name", "duplicate stage '" + name + "'");
      }
      String project = s.matching("project", null, PROJECT, "a GCP project id", true);
      String region = s.matching("region", null, REGION, "a GCP region (e.g. us-east1)", true);
      List<String> zones = s.strings("zones");
      if (!s.has("zones") || zones.isEmpty()) {
        s.error("zones", "must list the zones of the control-plane members (e.g. [b, c, d])");
      }
      for (String zone : zones) {
        if (!ZONE.matcher(zone).matches()) {
          s.error("zones", "'" + zone + "' is not a zone letter (e.g. b for us-east1-b)");
        }
      }
      if (new HashSet<>(zones).size() != zones.size()) {
        s.error("zones", "lists a zone twice");
      }
      Duration soak = duration(s, "soak", Duration.ZERO, false, SOAK);
      PromotionMode mode = s.enumValue("promotion", PromotionMode.class, PromotionMode.AUTO);
      Window window = window(s, mode);
      RebootBudget budget = s.has("reboot") ? reboot(s.child("reboot"), reboot) : reboot;
      FleetConfig.Rebooting stageRebooting = s.has("reboot") ? rebooting(s.child("reboot"), rebooting) : rebooting;
      Duration deadline = duration(s, "convergenceDeadline", health.convergenceDeadline(), true, CONVERGENCE);
      Optional<SimulatedShape> shape = Optional.empty();
      if (s.has("simulated")) {
        if (!simulation) {
          s.error("simulated", "needs a top-level 'simulation' section (timing and faults)");
        }
        shape = Optional.of(simulatedShape(s.child("simulated")));
      } else if (simulation && !s.has("kubernetes")) {
        s.error("simulated", "is required when the config has a 'simulation' section (or a kubernetes section for a real stage)");
      }
      Optional<FleetConfig.Kubernetes> kubernetes = Optional.empty();
      if (s.has("kubernetes")) {
        ConfigNode k = s.child("kubernetes");
        k.allowOnly("kubeconfig", "context");
        kubernetes = Optional.of(new FleetConfig.Kubernetes(k.string("kubeconfig", null), k.string("context", null)));
        if (shape.isPresent()) {
          s.error("kubernetes", "a stage is either simulated or real (kubernetes), not both");
        }
      }
      AdminConfCopy adminConf = adminConf(s, project);
      Optional<FleetConfig.ImagePipeline> pipeline = stageImages(s, name, project, images);
      if (pipeline.isPresent() && shape.isPresent()) {
        s.error("images", "a simulated stage builds simulated images: remove its images section");
      }
      MaintenanceWindow stageMaintenance = s.has("maintenance") ? maintenance(s.child("maintenance")) : maintenance;
      FleetConfig.Alerts stageAlerts = s.has("alerts") ? alerts(s.child("alerts")) : alerts;
      stages.add(new Stage(name, project, region, zones, soak, mode, window, budget, deadline, shape, kubernetes, adminConf,
          pipeline, stageRebooting, stageMaintenance, stageAlerts));
    }
    long simulatedNodes = stages.stream().flatMap(st -> st.simulated().stream())
        .mapToLong(sh -> (long) sh.sites() * sh.nodesPerSite() + sh.virtualNodes()).sum();
    if (simulatedNodes > MAX_SIMULATED_NODES) {
      top.error("stages", "the simulated stages have " + simulatedNodes + " nodes in all (sites x nodesPerSite +"
          + " virtualNodes): " + SIMULATED_WHY);
    }
    return stages;
  }

  /**
   * Where a stage's apply member keeps admin.conf: {@code adminConfDestination} (default
   * gs://k8s-support-PROJECT/admin.conf) and {@code adminConfHeaders} (object headers such as
   * Cache-Control). Null for a stage with no project (simulated).
   */
  private static AdminConfCopy adminConf(ConfigNode s, String project) {
    String destination = s.string("adminConfDestination", project == null ? null : "gs://k8s-support-" + project
        + "/admin.conf");
    Map<String, String> headers = new LinkedHashMap<>();
    ConfigNode h = s.child("adminConfHeaders");
    if (h.present()) {
      for (String name : h.fieldNames()) {
        String value = h.string(name, null);
        if (value != null) {
          headers.put(name, value);
        }
      }
    }
    if (destination == null) {
      if (!headers.isEmpty()) {
        s.error("adminConfHeaders", "needs adminConfDestination (or a project)");
      }
      return null;
    }
    try {
      return new AdminConfCopy(destination, headers);
    } catch (IllegalArgumentException e) {
      s.error(e.getMessage().startsWith("admin.conf header") ? "adminConfHeaders" : "adminConfDestination",
          e.getMessage());
      return null;
    }
  }

  private static Window window(ConfigNode stage, PromotionMode mode) {
    if (!stage.has("window")) {
      if (mode == PromotionMode.WINDOW) {
        stage.error("window", "is required when promotion is window (e.g. {day: tuesday, time: \"15:00\"})");
      }
      return null;
    }
    ConfigNode w = stage.child("window");
    w.allowOnly("day", "time", "length");
    DayOfWeek day = w.enumValue("day", DayOfWeek.class, null);
    if (!w.has("day")) {
      w.error("day", "is required (e.g. tuesday)");
    }
    LocalTime time = w.parsed("time", null, t -> {
      try {
        return LocalTime.parse(t);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + t + "' is not a UTC time of day (HH:MM)");
      }
    }, true);
    Duration length = duration(w, "length", Duration.ofHours(4), true, WINDOW);
    if (length.compareTo(Duration.ofDays(7)) >= 0) {
      w.error("length", "must be shorter than a week");
      length = Duration.ofHours(4);
    }
    return day == null || time == null ? null : new Window(day, time, length);
  }

  static final Max CATCHUP = new Max(Duration.ofDays(1), "a weekly promotion missed by more than a day waits for next week");
  static final Max JITTER = new Max(Duration.ofHours(1), "a weekly promotion spread over more than an hour is not at its time");

  /**
   * When disruptive steps may start: {@code days} (names), {@code from} and {@code to} (local
   * HH:MM, same day), {@code timeZone} (default UTC), {@code exclude} (ISO dates).
   */
  private static MaintenanceWindow maintenance(ConfigNode n) {
    n.allowOnly("days", "from", "to", "timeZone", "exclude");
    List<DayOfWeek> days = new ArrayList<>();
    for (String day : n.strings("days")) {
      try {
        days.add(DayOfWeek.valueOf(day.strip().toUpperCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        n.error("days", "'" + day + "' is not a day of the week (monday ... sunday)");
      }
    }
    if (!n.has("days")) {
      n.error("days", "is required (e.g. [monday, tuesday, wednesday, thursday, friday])");
    }
    java.util.function.Function<String, LocalTime> time = t -> {
      try {
        return LocalTime.parse(t);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + t + "' is not a time of day (HH:MM)");
      }
    };
    LocalTime from = n.parsed("from", null, time, true);
    LocalTime to = n.parsed("to", null, time, true);
    String zone = n.parsed("timeZone", "UTC", z -> {
      try {
        return java.time.ZoneId.of(z).getId();
      } catch (java.time.DateTimeException e) {
        throw new IllegalArgumentException("'" + z + "' is not a time zone (e.g. UTC, America/New_York)");
      }
    }, false);
    List<java.time.LocalDate> excluded = new ArrayList<>();
    for (String date : n.strings("exclude")) {
      try {
        excluded.add(java.time.LocalDate.parse(date.strip()));
      } catch (DateTimeParseException e) {
        n.error("exclude", "'" + date + "' is not a date (YYYY-MM-DD)");
      }
    }
    if (days.isEmpty() || from == null || to == null) {
      return null;
    }
    try {
      return new MaintenanceWindow(days, from, to, zone, excluded);
    } catch (IllegalArgumentException e) {
      n.error("to", e.getMessage());
      return null;
    }
  }

  static final Max ALERT_POLL = new Max(Duration.ofHours(1), "a gate polled less often than hourly misses a resolve by hours");
  static final Max ALERT_BLOCK_AFTER = new Max(Duration.ofDays(7),
      "an alert firing for a week is the operator's to decide: the stage blocks");
  static final Max ALERT_CACHE = new Max(Duration.ofHours(1), "an answer older than an hour says little about now");
  static final Max ALERT_TIMEOUT = new Max(Duration.ofMinutes(1), "the check is one HTTP request");

  /**
   * The alert gate: {@code prometheus} or {@code alertmanager} (an http(s) URL, one of the two
   * required), {@code matchers} and {@code exclude}
   * (Prometheus label matchers), {@code pollInterval} (1m), {@code maxPoll} (10m), {@code blockAfter}
   * (2h), {@code cacheFor} (1m), {@code timeout} (10s), {@code onUnreachable} (wait | proceed).
   */
  private static FleetConfig.Alerts alerts(ConfigNode n) {
    n.allowOnly("prometheus", "alertmanager", "matchers", "exclude", "pollInterval", "maxPoll", "blockAfter", "cacheFor",
        "timeout", "onUnreachable");
    org.fleetupgrade.alerts.prometheus.AlertSource.Api api = n.has("alertmanager")
        ? org.fleetupgrade.alerts.prometheus.AlertSource.Api.ALERTMANAGER
        : org.fleetupgrade.alerts.prometheus.AlertSource.Api.PROMETHEUS;
    URI endpoint;
    if (n.has("prometheus") && n.has("alertmanager")) {
      n.error("alertmanager", "give prometheus or alertmanager, not both: the gate reads one of them");
      endpoint = null;
    } else if (!n.has("prometheus") && !n.has("alertmanager")) {
      n.error("prometheus", "is required (or alertmanager): the URL the gate reads firing alerts from");
      endpoint = null;
    } else {
      endpoint = n.parsed(api.key, null, ConfigLoader::httpUrl, true);
    }
    List<String> matchers = matchers(n, "matchers", List.of());
    List<String> exclude = matchers(n, "exclude", org.fleetupgrade.alerts.prometheus.AlertSource.DEFAULT_EXCLUDE);
    Duration poll = duration(n, "pollInterval", org.fleetupgrade.alerts.AlertGate.DEFAULT_POLL, true, ALERT_POLL);
    Duration maxPoll = duration(n, "maxPoll", org.fleetupgrade.alerts.AlertGate.DEFAULT_MAX_POLL.compareTo(poll) < 0 ? poll
        : org.fleetupgrade.alerts.AlertGate.DEFAULT_MAX_POLL, true, ALERT_POLL);
    if (maxPoll.compareTo(poll) < 0) {
      n.error("maxPoll", "must be at least pollInterval (" + ConfigNode.format(poll) + ")");
      maxPoll = poll;
    }
    Duration blockAfter = duration(n, "blockAfter", org.fleetupgrade.alerts.AlertGate.DEFAULT_BLOCK_AFTER, true,
        ALERT_BLOCK_AFTER);
    Duration cacheFor = duration(n, "cacheFor", org.fleetupgrade.alerts.AlertGate.DEFAULT_CACHE_FOR, false, ALERT_CACHE);
    Duration timeout = duration(n, "timeout", org.fleetupgrade.alerts.prometheus.AlertSource.DEFAULT_TIMEOUT, true,
        ALERT_TIMEOUT);
    String onUnreachable = n.parsed("onUnreachable", "wait", t -> {
      if (!t.equals("wait") && !t.equals("proceed")) {
        throw new IllegalArgumentException("'" + t + "' is not wait or proceed");
      }
      return t;
    }, false);
    return endpoint == null ? null : new FleetConfig.Alerts(api, endpoint, matchers, exclude, poll, maxPoll, blockAfter,
        cacheFor, timeout, "proceed".equals(onUnreachable));
  }

  /** Prometheus label matchers, each checked; {@code defaults} when the field is absent. */
  private static List<String> matchers(ConfigNode n, String field, List<String> defaults) {
    if (!n.has(field)) {
      return defaults;
    }
    List<String> valid = new ArrayList<>();
    for (String text : n.strings(field)) {
      try {
        org.fleetupgrade.alerts.prometheus.AlertMatcher.parse(text);
        valid.add(text.strip());
      } catch (IllegalArgumentException e) {
        n.error(field, e.getMessage());
      }
    }
    return valid;
  }

  /** The weekly promotion Schedule's calendar, in a time zone (default UTC). */
  private static FleetConfig.Schedule schedule(ConfigNode n) {
    n.allowOnly("day", "time", "timeZone", "catchupWindow", "jitter");
    DayOfWeek day = n.enumValue("day", DayOfWeek.class, null);
    if (!n.has("day")) {
      n.error("day", "is required (e.g. tuesday)");
    }
    LocalTime time = n.parsed("time", null, t -> {
      try {
        return LocalTime.parse(t);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + t + "' is not a time of day (HH:MM)");
      }
    }, true);
    java.time.ZoneId zone = n.parsed("timeZone", java.time.ZoneOffset.UTC, z -> {
      try {
        return java.time.ZoneId.of(z);
      } catch (java.time.DateTimeException e) {
        throw new IllegalArgumentException("'" + z + "' is not a time zone (e.g. UTC, America/New_York)");
      }
    }, false);
    Duration catchup = duration(n, "catchupWindow", Duration.ofHours(1), true, CATCHUP);
    Duration jitter = duration(n, "jitter", Duration.ZERO, false, JITTER);
    return day == null || time == null ? null : new FleetConfig.Schedule(day, time, zone, catchup, jitter);
  }

  private static SimulatedShape simulatedShape(ConfigNode n) {
    n.allowOnly("currentVersion", "sites", "nodesPerSite", "virtualNodes");
    String current = n.parsed("currentVersion", null, t -> ReleaseVersion.parse(t).toString(), true);
    return new SimulatedShape(current, n.integer("sites", 1, 0, MAX_SIMULATED_NODES, SIMULATED_WHY),
        n.integer("nodesPerSite", 4, 0, MAX_SIMULATED_NODES, SIMULATED_WHY),
        n.integer("virtualNodes", 0, 0, MAX_SIMULATED_NODES, SIMULATED_WHY));
  }

  private static Simulation simulation(ConfigNode n) {
    n.allowOnly("timing", "faults", "urgentNotes", "latestStable", "stateFile", "heartbeatTimeout");
    ConfigNode t = n.child("timing");
    t.allowOnly("drain", "memberUpgrade", "nodeTooling", "imageBuild", "nodeReboot");
    SimulatedTiming timing = new SimulatedTiming(duration(t, "drain", Duration.ZERO, false, SIMULATED_STEP),
        duration(t, "memberUpgrade", Duration.ZERO, false, SIMULATED_STEP),
        duration(t, "nodeTooling", Duration.ZERO, false, SIMULATED_STEP),
        duration(t, "imageBuild", Duration.ZERO, false, SIMULATED_STEP),
        duration(t, "nodeReboot", Duration.ZERO, false, SIMULATED_STEP));
    List<SimulatedFault> faults = new ArrayList<>();
    for (ConfigNode f : n.list("faults")) {
      f.allowOnly("step", "stage", "target", "times", "error", "retryable");
      String step = f.requiredString("step");
      if (step != null && !SimulatedFault.STEPS.contains(step)) {
        f.error("step", "'" + step + "' is not one of " + SimulatedFault.STEPS);
      }
      faults.add(new SimulatedFault(step, f.string("stage", null), f.string("target", null),
          f.integer("times", 1, 1, 1000, "a fault fires at most that often"), f.string("error", "injected fault"), f.bool("retryable", true)));
    }
    String stable = n.parsed("latestStable", SimulatedFleet.DEFAULT_LATEST_STABLE_VERSION,
        v -> ReleaseVersion.parse(v).toString(), false);
    String stateFile = n.string("stateFile", null);
    Duration heartbeat = duration(n, "heartbeatTimeout", null, true, SIMULATED_HEARTBEAT);
    if (heartbeat != null && heartbeat.compareTo(Duration.ofSeconds(1)) < 0) {
      n.error("heartbeatTimeout", "must be at least 1s (got " + n.string("heartbeatTimeout", "") + "): simulated steps"
          + " heartbeat every 250 ms");
      heartbeat = null;
    }
    return new Simulation(timing, faults, n.strings("urgentNotes"), stable,
        stateFile == null ? null : java.nio.file.Path.of(stateFile), heartbeat);
  }
}
