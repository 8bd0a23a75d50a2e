package org.fleetupgrade.worker.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.worker.config.ShellConfig.Assignment;

/**
 * What `fleet-upgrade import` takes from an operator's k8s-support {@code k8s_deploy.conf} and
 * epoxy-images {@code config.sh} into a fleet config, and the edit that does it. Only fields the
 * loader knows are written:
 *
 * <ul>
 *   <li>{@code versions.cni}, {@code versions.crictl}: {@code K8S_CNI_VERSION}, {@code K8S_CRICTL_VERSION}
 *       (either file; they must agree or {@link Prefer} says which wins; older than the config's is a
 *       downgrade). {@code K8S_VERSION} is compared the same way but written nowhere: the config keeps
 *       no Kubernetes version ({@code start --kubernetes} gives it).
 *   <li>{@code controlPlane.namePattern}: {@code api-${GCE_BASE_NAME}-{region}-{zone}}, the names
 *       k8s-support's {@code upgrade_api_cluster.sh} gives the control-plane VMs;
 *       {@code controlPlane.clusterCidr}, {@code serviceCidr}: {@code K8S_CLUSTER_CIDR}, {@code K8S_SERVICE_CIDR};
 *       {@code health.virtualNodeSelector}: {@code K8S_CLOUD_NODE_LABELS} when it is one label.
 *   <li>per stage, by its project ({@code mlab-oti} reads the variables ending {@code _mlab_oti}):
 *       {@code region}: {@code GCE_REGION_*}, {@code zones}: {@code GCE_ZONES_*} ("b c d"),
 *       {@code adminConfDestination}: {@code gs://${GCS_BUCKET_K8S_*}/admin.conf}.
 * </ul>
 *
 * Stages are never added or removed: a project without a stage, and a stage without the project's
 * variables, are noted.
 */
public final class FleetImport {

  /** Which file wins where the two disagree. */
  public enum Prefer {
    K8S_DEPLOY("k8s-deploy"), EPOXY("epoxy");

    public final String flag;

    Prefer(String flag) {
      this.flag = flag;
    }

    public static Prefer parse(String text) {
      for (Prefer p : values()) {
        if (p.flag.equals(text)) {
          return p;
        }
      }
      throw new IllegalArgumentException("--prefer: '" + text + "' is not k8s-deploy or epoxy");
    }
  }

  /**
   * One value to write.
   *
   * @param from the config's value now (its default when the key is absent); null when it has none
   * @param source {@code file:line} of the variable it comes from
   */
  public record Change(String path, String from, String to, String source, boolean downgrade) {
    public String describe() {
      return path + ": " + (from == null ? "(not set)" : from) + " -> " + to + " (from " + source + ")";
    }
  }

  /**
   * A variable both files set, to different values.
   *
   * @param imported whether the import reads it (then it needs {@code --prefer} before anything is written)
   * @param chosen the value that wins (by {@code --prefer}); null when none was given
   */
  public record Disagreement(String variable, Assignment k8sDeploy, Assignment epoxy, boolean imported,
      Assignment chosen, Prefer prefer) {
    public String describe() {
      return variable + " differs: " + k8sDeploy.value() + " (" + k8sDeploy.where() + ") vs " + epoxy.value() + " ("
          + epoxy.where() + ")" + (!imported ? " (not imported)"
          : chosen == null ? "" : ": --prefer " + prefer.flag + " takes " + chosen.value());
    }
  }

  /** The import worked out against one config text; {@link #result()} makes and checks the edit. */
  public record Plan(Path into, String original, List<Change> changes, List<Disagreement> disagreements,
      List<String> notes, List<Edit> edits) {

    public Plan {
      changes = List.copyOf(changes);
      disagreements = List.copyOf(disagreements);
      notes = List.copyOf(notes);
      edits = List.copyOf(edits);
    }

    /** Disagreements on imported variables that no {@code --prefer} settled: nothing may be written. */
    public List<Disagreement> unsettled() {
      return disagreements.stream().filter(d -> d.imported() && d.chosen() == null).toList();
    }

    public List<Change> downgrades() {
      return changes.stream().filter(Change::downgrade).toList();
    }

    /**
     * The config with every change made, keeping the rest of the text as it is; it loads with
     * {@link ConfigLoader} and reads back the new values, or this throws and nothing is to be written.
     */
    public String result() throws ConfigException {
      List<String> errors = new ArrayList<>();
      YamlEditor editor = new YamlEditor(into.toString(), original);
      for (Edit e : edits) {
        try {
          if (e.list() != null) {
            editor.setList(e.path(), e.list());
          } else {
            editor.setScalar(e.path(), e.value());
          }
        } catch (IllegalArgumentException ex) {
          errors.add(ex.getMessage());
        }
      }
      if (!errors.isEmpty()) {
        throw new ConfigException(errors);
      }
      String edited = editor.apply();
      try {
        ConfigLoader.parse(edited, into);
      } catch (ConfigException ex) {
        List<String> why = new ArrayList<>();
        why.add(into + ": with these changes the config would not load, so nothing is written:");
        ex.errors().forEach(err -> why.add("  " + err));
        throw new ConfigException(why);
      }
      readBack(edited);
      return edited;
    }

    /** Each edited value, read as the loader reads it: anything else is a bug here, and nothing is written. */
    private void readBack(String edited) throws ConfigException {
      JsonNode root;
      try {
        root = YAML.readTree(edited);
      } catch (JsonProcessingException ex) {
        throw new ConfigException(List.of(into + ": the edited config is not YAML: " + ex.getOriginalMessage()));
      }
      List<String> errors = new ArrayList<>();
      for (Edit e : edits) {
        JsonNode node = root;
        for (Object segment : YamlEditor.segments(e.path())) {
          node = segment instanceof Integer i ? node.path(i) : node.path((String) segment);
        }
        Object got = node.isArray() ? toList(node) : node.isValueNode() ? node.asText() : null;
        Object wanted = e.list() != null ? e.list() : e.value();
        if (!wanted.equals(got)) {
          errors.add(into + ": " + e.path() + " reads back as " + got + " instead of " + wanted
              + ": nothing written (a bug in the editor: please report it)");
        }
      }
      if (!errors.isEmpty()) {
        throw new ConfigException(errors);
      }
    }

    private static List<String> toList(JsonNode array) {
      List<String> items = new ArrayList<>();
      array.forEach(n -> items.add(n.asText()));
      return items;
    }
  }

  /** One edit of the config text: a scalar, or a flow list when {@code list} is not null. */
  public record Edit(String path, String value, List<String> list) {}

  static final String KUBERNETES = "K8S_VERSION";
  static final Map<String, String> VERSIONS = new LinkedHashMap<>();

  static {
    VERSIONS.put(KUBERNETES, null);
    VERSIONS.put("K8S_CNI_VERSION", "versions.cni");
    VERSIONS.put("K8S_CRICTL_VERSION", "versions.crictl");
  }

  private static final Pattern PROJECT_REGION = Pattern.compile("GCE_REGION_([A-Za-z0-9_]+)");
  private static final Pattern BASE_NAME = Pattern.compile("[a-z]([a-z0-9-]{0,40}[a-z0-9])?");
  private static final Pattern CIDR = Pattern.compile("[0-9A-Fa-f:.]+/[0-9]{1,3}");
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final ShellConfig k8sDeploy;
  private final ShellConfig epoxy;
  private final FleetConfig config;
  private final Prefer prefer;
  private final List<String> errors = new ArrayList<>();
  private final List<Change> changes = new ArrayList<>();
  private final List<Edit> edits = new ArrayList<>();
  private final List<Disagreement> disagreements = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Set<String> used = new LinkedHashSet<>();

  private FleetImport(ShellConfig k8sDeploy, ShellConfig epoxy, FleetConfig config, Prefer prefer) {
    this.k8sDeploy = k8sDeploy;
    this.epoxy = epoxy;
    this.config = config;
    this.prefer = prefer;
  }

  /**
   * Works out what the two files change in the config text {@code intoText} (read from {@code into}).
   *
   * @param epoxy null when only k8s_deploy.conf is given
   * @param prefer null when none was given
   * @throws ConfigException the config does not load, or a value the import reads is unusable (each
   *     named with its file and line)
   */
  public static Plan plan(ShellConfig k8sDeploy, ShellConfig epoxy, Path into, String intoText, Prefer prefer)
      throws ConfigException {
    FleetConfig config;
    try {
      config = ConfigLoader.parse(intoText, into);
    } catch (ConfigException e) {
      List<String> why = new ArrayList<>();
      why.add(into + " does not load, so nothing is imported into it; fix it first:");
      e.errors().forEach(err -> why.add("  " + err));
      throw new ConfigException(why);
    }
    FleetImport i = new FleetImport(k8sDeploy, epoxy, config, prefer);
    i.versions();
    i.controlPlane();
    i.stages();
    i.leftOut();
    if (!i.errors.isEmpty()) {
      throw new ConfigException(i.errors);
    }
    return new Plan(into, intoText, i.changes, i.disagreements, i.notes, i.edits);
  }

  private void versions() {
    for (ShellConfig file : files()) {
      if (file.get(KUBERNETES).isEmpty()) {
        errors.add(file.file() + ": sets no " + KUBERNETES + ": is this k8s-support's k8s_deploy.conf / epoxy-images'"
            + " config.sh?");
      }
    }
    for (Map.Entry<String, String> v : VERSIONS.entrySet()) {
      Assignment a = settled(v.getKey());
      if (a == null) {
        continue;
      }
      ReleaseVersion version;
      try {
        version = ReleaseVersion.parse(ShellConfig.scalar(a));
      } catch (InvalidVersionException e) {
        errors.add(a.where() + ": " + a.name() + ": " + e.getMessage() + ": " + a.text());
        continue;
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
        continue;
      }
      String path = v.getValue();
      if (path == null) {
        notes.add("kubernetes " + version + " (from " + a.where() + ") is not kept in the config: give it to"
            + " `start --kubernetes " + version + "`");
        continue;
      }
      String current = path.equals("versions.cni") ? config.versions().cni() : config.versions().crictl();
      boolean downgrade = current != null && version.compareTo(ReleaseVersion.parse(current)) < 0;
      change(path, current, version.toString(), a, downgrade);
    }
    // Variables both files set that the import does not read: a disagreement is reported, never blocks.
    if (epoxy != null) {
      for (Assignment e : epoxy.assignments()) {
        k8sDeploy.get(e.name()).filter(k -> !VERSIONS.containsKey(e.name()) && !k.value().equals(e.value()))
            .ifPresent(k -> disagreements.add(new Disagreement(e.name(), k, e, false, null, null)));
      }
    }
  }

  /** The one assignment of {@code name} that counts, or null (unset, or an unsettled disagreement). */
  private Assignment settled(String name) {
    Assignment k = k8sDeploy.get(name).orElse(null);
    Assignment e = epoxy == null ? null : epoxy.get(name).orElse(null);
    if (k != null) {
      used.add(k8sDeploy.file() + "\0" + name);
    }
    if (e != null) {
      used.add(epoxy.file() + "\0" + name);
    }
    if (k != null && e != null && !k.value().equals(e.value())) {
      Assignment chosen = prefer == null ? null : prefer == Prefer.K8S_DEPLOY ? k : e;
      disagreements.add(new Disagreement(name, k, e, true, chosen, prefer));
      return chosen;
    }
    if (k == null && e == null) {
      notes.add("no file sets " + name + ": " + (VERSIONS.get(name) == null ? "nothing" : VERSIONS.get(name))
          + " left as is");
    }
    return k != null ? k : e;
  }

  private void controlPlane() {
    k8sValue("GCE_BASE_NAME", BASE_NAME, "a GCE name prefix").ifPresent(a -> change("controlPlane.namePattern",
        config.controlPlane().namePattern(), "api-" + a.value() + "-{region}-{zone}", a, false));
    k8sValue("K8S_CLUSTER_CIDR", CIDR, "a CIDR").ifPresent(a -> change("controlPlane.clusterCidr",
        config.controlPlane().clusterCidr(), a.value(), a, false));
    k8sValue("K8S_SERVICE_CIDR", CIDR, "a CIDR").ifPresent(a -> change("controlPlane.serviceCidr",
        config.controlPlane().serviceCidr(), a.value(), a, false));
    k8sDeploy.get("K8S_CLOUD_NODE_LABELS").ifPresent(a -> {
      used.add(k8sDeploy.file() + "\0" + a.name());
      String labels = scalar(a);
      if (labels == null) {
        return;
      }
      List<String> each = words(labels);
      if (each.size() != 1 || !ConfigLoader.LABEL_SELECTOR.matcher(each.get(0)).matches()) {
        notes.add(a.where() + ": K8S_CLOUD_NODE_LABELS is not one label (key=value): health.virtualNodeSelector left"
            + " as is");
        return;
      }
      change("health.virtualNodeSelector", config.health().virtualNodeSelector(), each.get(0), a, false);
    });
  }

  private void stages() {
    Set<String> projects = new LinkedHashSet<>();
    for (Assignment a : k8sDeploy.assignments()) {
      Matcher m = PROJECT_REGION.matcher(a.name());
      if (m.matches()) {
        projects.add(m.group(1));
      }
    }
    for (int i = 0; i < config.stages().size(); i++) {
      FleetConfig.Stage stage = config.stages().get(i);
      String key = stage.project().replace('-', '_');
      String at = "stages[" + i + "]";
      projects.remove(key);
      boolean any = false;
      var region = k8sValue("GCE_REGION_" + key, ConfigLoader.REGION, "a GCP region (e.g. us-east1)");
      if (region.isPresent()) {
        any = true;
        change(at + ".region", stage.region(), region.get().value(), region.get(), false);
      }
      var zones = k8sDeploy.get("GCE_ZONES_" + key);
      if (zones.isPresent()) {
        any = true;
        used.add(k8sDeploy.file() + "\0" + zones.get().name());
        String text = scalar(zones.get());
        if (text != null) {
          List<String> letters = words(text);
          List<String> bad = letters.stream().filter(z -> !ConfigLoader.ZONE.matcher(z).matches()).toList();
          if (letters.isEmpty() || !bad.isEmpty()) {
            errors.add(zones.get().where() + ": " + zones.get().name() + ": expected zone letters (e.g. \"b c d\"): "
                + zones.get().text());
          } else if (!letters.equals(stage.zones())) {
            changes.add(new Change(at + ".zones", flow(stage.zones()), flow(letters), zones.get().where(), false));
            edits.add(new Edit(at + ".zones", null, letters));
          }
        }
      }
      var bucket = k8sValue("GCS_BUCKET_K8S_" + key, BUCKET, "a GCS bucket name");
      if (bucket.isPresent()) {
        any = true;
        change(at + ".adminConfDestination", stage.adminConf() == null ? null : stage.adminConf().destination(),
            "gs://" + bucket.get().value() + "/admin.conf", bucket.get(), false);
      }
      if (!any) {
        notes.add(at + " (" + stage.name() + ", project " + stage.project() + "): " + k8sDeploy.file()
            + " has no GCE_REGION_" + key + ", GCE_ZONES_" + key + " or GCS_BUCKET_K8S_" + key + ": left as is");
      }
    }
    for (String key : projects) {
      notes.add(k8sDeploy.get("GCE_REGION_" + key).orElseThrow().where() + ": project " + key.replace('_', '-')
          + " has no stage in the config: not added (a stage needs its cluster's kubeconfig, soak and promotion)");
    }
  }

  /** Variables nobody reads, per file: the config has no place for them. */
  private void leftOut() {
    for (ShellConfig file : files()) {
      List<String> names = file.assignments().stream().map(Assignment::name)
          .filter(n -> !used.contains(file.file() + "\0" + n)).toList();
      if (!names.isEmpty()) {
        notes.add(file.file() + ": not imported (the config has no place for them): " + String.join(", ", names));
      }
    }
  }

  /** A k8s_deploy.conf value that must match {@code pattern}; empty when unset or unusable (then an error). */
  private Optional<Assignment> k8sValue(String name, Pattern pattern, String what) {
    Optional<Assignment> a = k8sDeploy.get(name);
    if (a.isEmpty()) {
      return a;
    }
    used.add(k8sDeploy.file() + "\0" + name);
    String value = scalar(a.get());
    if (value == null) {
      return Optional.empty();
    }
    if (!pattern.matcher(value).matches()) {
      errors.add(a.get().where() + ": " + name + ": '" + value + "' is not " + what + ": " + a.get().text());
      return Optional.empty();
    }
    return a;
  }

  private String scalar(Assignment a) {
    try {
      return ShellConfig.scalar(a);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
      return null;
    }
  }

  private void change(String path, String current, String to, Assignment from, boolean downgrade) {
    if (!Objects.equals(current, to)) {
      changes.add(new Change(path, current, to, from.where(), downgrade));
      edits.add(new Edit(path, to, null));
    }
  }

  private List<ShellConfig> files() {
    return epoxy == null ? List.of(k8sDeploy) : List.of(k8sDeploy, epoxy);
  }

  private static List<String> words(String text) {
    return Arrays.stream(text.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }

  private static String flow(List<String> items) {
    return "[" + String.join(", ", items) + "]";
  }

  /**
   * Replaces {@code file} with {@code text} atomically (a temporary file beside it, then a move), keeping
   * its permissions; refuses when the file no longer holds {@code expected} (edited meanwhile).
   */
  public static void write(Path file, String expected, String text) throws IOException {
    Path target = file.toRealPath();
    if (!Files.readString(target, StandardCharsets.UTF_8).equals(expected)) {
      throw new IOException(file + " changed while it was being imported into: run the import again");
    }
    Path dir = target.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    try {
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      // On a file system without POSIX permissions the new file keeps the default ones.
      if (Files.getFileStore(target).supportsFileAttributeView(PosixFileAttributeView.class)) {
        Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(dir + " cannot replace a file atomically: nothing written", e);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
