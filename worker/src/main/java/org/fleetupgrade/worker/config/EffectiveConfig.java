package org.fleetupgrade.worker.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.worker.config.FleetConfig.ImagePipeline;
import org.fleetupgrade.worker.config.FleetConfig.Images;
import org.fleetupgrade.worker.config.FleetConfig.Rebooting;
import org.fleetupgrade.worker.config.FleetConfig.Stage;

/**
 * The config as the worker will use it, in the loader's own YAML: every field the loader reads,
 * with its value or the default it took ({@code null} where the default is none), so `config check`
 * shows what a file leaves out. It loads back to the same config.
 *
 * <p>Each stage carries its resolved {@code reboot}, {@code convergenceDeadline} and images
 * settings: the top-level {@code reboot} section only gives defaults to stages, so it is not
 * repeated on its own.
 */
public final class EffectiveConfig {

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build());

  private EffectiveConfig() {}

  public static String yaml(FleetConfig c) {
    try {
      return YAML.writeValueAsString(tree(c));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the effective config", e);
    }
  }

  static Map<String, Object> tree(FleetConfig c) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("temporal", map("address", c.temporal().address(), "namespace", c.temporal().namespace(),
        "taskQueue", c.temporal().taskQueue()));
    root.put("versions", map("cni", c.versions().cni(), "crictl", c.versions().crictl()));
    FleetConfig.ControlPlane cp = c.controlPlane();
    FleetConfig.Ssh ssh = cp.ssh();
    root.put("controlPlane", map(
        "namePattern", cp.namePattern(),
        "ssh", map("user", ssh.user(), "privateKeyPath", ssh.privateKeyPath(), "knownHostsPath", ssh.knownHostsPath(),
            "connectTimeout", duration(ssh.connectTimeout()), "port", ssh.port(),
            "acceptCertificatesWithoutPrincipalsFor", ssh.acceptCertificatesWithoutPrincipalsFor()),
        "arch", cp.arch(),
        "clusterCidr", cp.clusterCidr(),
        "serviceCidr", cp.serviceCidr(),
        "kubeadmTemplate", cp.kubeadmTemplate(),
        "readyzTimeout", duration(cp.readyzTimeout()),
        "scriptTimeout", duration(cp.scriptTimeout()),
        "releases", map("kubernetes", cp.releases().kubernetes(), "cniPlugins", cp.releases().cniPlugins(),
            "crictl", cp.releases().crictl()),
        "computeEndpoint", cp.computeEndpoint(),
        "metadata", map("attribute", cp.metadata().attribute(), "loadBalancerPath", cp.metadata().loadBalancerPath())));
    root.put("drain", map("timeout", duration(c.drain().timeout()), "force", c.drain().force(),
        "keepCordonedOnRefusal", c.drain().keepCordonedOnRefusal()));
    root.put("images", images(c.images()));
    FleetConfig.Health h = c.health();
    root.put("health", map("convergenceDeadline", duration(h.convergenceDeadline()),
        "virtualNodeSelector", h.virtualNodeSelector(), "controlPlaneLabel", h.controlPlaneLabel(),
        "ignoredNamespaces", h.ignoredNamespaces(), "ignoredPodSelectors", h.ignoredPodSelectors(),
        "ignoredNodeTaints", h.ignoredNodeTaints()));
    root.put("changelog", c.changelog().map(l -> map("changelogBaseUrl", l.changelogBase().toString(),
        "releaseBaseUrl", l.releaseBase().toString(), "timeout", duration(l.timeout()), "attempts", l.attempts()))
        .orElse(null));
    List<Object> stages = new ArrayList<>();
    c.stages().forEach(s -> stages.add(stage(s)));
    root.put("schedule", c.schedule().map(w -> map("day", w.day().name().toLowerCase(java.util.Locale.ROOT),
        "time", w.time().toString(), "timeZone", w.zone().getId(), "catchupWindow", duration(w.catchupWindow()),
        "jitter", duration(w.jitter()))).orElse(null));
    root.put("stages", stages);
    root.put("simulation", c.simulation().map(sim -> {
      List<Object> faults = new ArrayList<>();
      for (SimulatedFault f : sim.faults()) {
        faults.add(map("step", f.step(), "stage", f.stage(), "target", f.target(), "times", f.times(),
            "error", f.error(), "retryable", f.retryable()));
      }
      return map("timing", map("drain", duration(sim.timing().drain()),
              "memberUpgrade", duration(sim.timing().memberUpgrade()), "nodeTooling", duration(sim.timing().nodeTooling()),
              "imageBuild", duration(sim.timing().imageBuild()), "nodeReboot", duration(sim.timing().nodeReboot())),
          "faults", faults, "urgentNotes", sim.urgentNotes(), "latestStable", sim.latestStable(),
          "stateFile", sim.stateFile() == null ? null : sim.stateFile().toString(),
          "heartbeatTimeout", sim.heartbeatTimeout() == null ? null : duration(sim.heartbeatTimeout()));
    }).orElse(null));
    return root;
  }

  private static Map<String, Object> stage(Stage s) {
    Map<String, Object> stage = map("name", s.name(), "project", s.project(), "region", s.region(), "zones", s.zones(),
        "soak", duration(s.soak()), "promotion", s.promotion().name().toLowerCase(Locale.ROOT),
        "window", s.window() == null ? null : map("day", s.window().day().name().toLowerCase(Locale.ROOT),
            "time", s.window().time().toString(), "length", duration(s.window().length())),
        "maintenance", s.maintenance() == null ? null : map("days", s.maintenance().days().stream()
            .map(d -> d.name().toLowerCase(Locale.ROOT)).toList(), "from", s.maintenance().opens().toString(),
            "to", s.maintenance().closes().toString(), "timeZone", s.maintenance().zone(),
            "exclude", s.maintenance().excluded().stream().map(Object::toString).toList()),
        "alerts", s.alerts() == null ? null : map(s.alerts().api().key, s.alerts().endpoint().toString(),
            "matchers", s.alerts().matchers(), "exclude", s.alerts().exclude(),
            "pollInterval", duration(s.alerts().pollInterval()), "maxPoll", duration(s.alerts().maxPoll()),
            "blockAfter", duration(s.alerts().blockAfter()), "cacheFor", duration(s.alerts().cacheFor()),
            "timeout", duration(s.alerts().timeout()),
            "onUnreachable", s.alerts().proceedWhenUnreachable() ? "proceed" : "wait"),
        "reboot", reboot(s.reboot(), s.rebooting()),
        "convergenceDeadline", duration(s.convergenceDeadline()),
        "simulated", s.simulated().map(sh -> map("currentVersion", sh.currentVersion(), "sites", sh.sites(),
            "nodesPerSite", sh.nodesPerSite(), "virtualNodes", sh.virtualNodes())).orElse(null),
        "kubernetes", s.kubernetes().map(k -> map("kubeconfig", k.kubeconfig(), "context", k.context())).orElse(null),
        "adminConfDestination", s.adminConf() == null ? null : s.adminConf().destination(),
        "adminConfHeaders", s.adminConf() == null ? Map.of() : new TreeMap<>(s.adminConf().headers()));
    stage.put("images", s.images().map(EffectiveConfig::pipeline).orElse(null));
    return stage;
  }

  private static Map<String, Object> reboot(RebootBudget b, Rebooting r) {
    return map(
        "maxUnavailable", b.maxUnavailable(),
        "maxPerSite", b.maxPerSite(),
        "canary", b.limits().canary(),
        "maxFailedNodes", b.limits().maxFailedNodes(),
        "nodeDeadline", duration(b.deadlinePerNode()),
        "firstLook", duration(b.lookAfter()),
        "waveTimeout", duration(b.waveTimeout()),
        "method", r.method().configName(),
        "command", r.command(),
        "sentinelPath", r.sentinelPath(),
        "triggerTimeout", duration(r.triggerTimeout()),
        "api", map("url", r.apiUrl(), "username", r.apiUser(), "passwordFile", r.apiPasswordFile(),
            "passwordEnv", r.apiPasswordEnv()),
        "exclude", map("taints", r.excludeTaints(), "selectors", r.excludeSelectors()),
        "kured", r.kured() == null ? map("enabled", false) : map("enabled", true, "namespace", r.kured().namespace(),
            "daemonSet", r.kured().daemonSet(), "annotation", r.kured().annotation(), "ttl", duration(r.kured().ttl())));
  }

  private static Map<String, Object> images(Images i) {
    return map("repository", i.repository(), "tokenFile", i.tokenFile(), "tokenEnv", i.tokenEnv(),
        "username", i.username(), "configFile", i.configFile(), "mainBranch", i.mainBranch(), "branch", i.branch(),
        "authorName", i.authorName(), "authorEmail", i.authorEmail(), "cacheDir", i.cacheDir(),
        "gitTimeout", duration(i.gitTimeout()), "buildAppearTimeout", duration(i.buildAppearTimeout()),
        "buildTimeout", duration(i.buildTimeout()), "pollInterval", duration(i.pollInterval()));
  }

  private static Map<String, Object> pipeline(ImagePipeline p) {
    Map<String, Object> images = images(p.images());
    images.put("ref", p.ref().name().toLowerCase(Locale.ROOT));
    images.put("cloudBuild", map("project", p.buildProject(), "region", p.buildRegion(), "triggers", p.triggers(),
        "endpoint", p.buildEndpoint()));
    // Only a stage built from a tag points ePoxy hosts; the loader refuses the section elsewhere.
    images.put("epoxy", p.ref() != RefPolicy.TAG ? null : map("project", p.epoxyProject(),
        "namespace", p.epoxyNamespace(), "hostPattern", p.hostPattern(), "endpoint", p.datastoreEndpoint()));
    return images;
  }

  private static String duration(Duration d) {
    return ConfigNode.format(d);
  }

  /** A duration as the config writes it ({@code 7d}, {@code 1h30m}, {@code 0s}), for output that quotes the config. */
  public static String format(Duration d) {
    return ConfigNode.format(d);
  }

  /** An ordered mapping from alternating keys and values; null values stay (the field, with no value). */
  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
