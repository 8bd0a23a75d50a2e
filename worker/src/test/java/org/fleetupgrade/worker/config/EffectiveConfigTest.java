package org.fleetupgrade.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `config check` promises every field with its default: the effective config says all and loads back the same. */
class EffectiveConfigTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Settings away from their defaults wherever the loader has one, so a field left out would show. */
  private static final String UNUSUAL = """
      temporal: {address: "temporal.example.org:7234", namespace: fleet, taskQueue: fleet-q}
      versions: {cni: v1.6.2, crictl: v1.31.1}
      controlPlane:
        namePattern: "api-{region}-{zone}-x"
        ssh: {user: sre, privateKeyPath: /keys/id, knownHostsPath: /keys/kh, connectTimeout: 45s, port: 2222,
              acceptCertificatesWithoutPrincipalsFor: ["*.example.org"]}
        arch: arm64
        clusterCidr: 192.168.0.0/16
        serviceCidr: 172.25.0.0/16
        kubeadmTemplate: /etc/kubeadm.tmpl
        readyzTimeout: 7m
        scriptTimeout: 40m
        releases: {kubernetes: "https://mirror.example.org/k8s", cniPlugins: "https://mirror.example.org/cni",
                   crictl: "https://mirror.example.org/crictl"}
        computeEndpoint: "https://compute.example.org"
        metadata: {attribute: cluster, loadBalancerPath: .lb}
      drain: {timeout: 12m, force: true, keepCordonedOnRefusal: true}
      images: {tokenEnv: GH_TOKEN, username: bot, mainBranch: trunk, branch: "try-{kubernetes}", authorName: Bot,
               authorEmail: bot@example.org, cacheDir: /var/cache/fu, gitTimeout: 3m, buildAppearTimeout: 20m,
               buildTimeout: 4h, pollInterval: 20s, configFile: build/config.sh}
      health: {convergenceDeadline: 3h, virtualNodeSelector: "kind=cloud", controlPlaneLabel: cp,
               ignoredNamespaces: [tests], ignoredPodSelectors: ["app=flaky"], ignoredNodeTaints: [broken]}
      changelog: {changelogBaseUrl: "https://cl.example.org/", releaseBaseUrl: "https://rel.example.org/", timeout: 10s,
                  attempts: 4}
      reboot: {maxUnavailable: 7, maxPerSite: 2, canary: 3, maxFailedNodes: 4, nodeDeadline: 40m, firstLook: 10s,
               waveTimeout: 1h, method: reboot-api, triggerTimeout: 20s,
               api: {url: "https://reboot.example.org", username: ops, passwordEnv: REBOOT_PASSWORD},
               exclude: {taints: [maintenance], selectors: ["keep=yes"]}, kured: {enabled: false}}
      stages:
        - name: sandbox
          project: mlab-sandbox
          region: us-west2
          zones: [a, b]
          soak: 1d12h
          promotion: approval
          kubernetes: {kubeconfig: /kube/config, context: sandbox}
          adminConfDestination: "gs://bucket-x/admin.conf"
          adminConfHeaders: {Cache-Control: no-store}
          images: {ref: branch, cloudBuild: {project: mlab-builds, region: us-west2, triggers: [t1, t2]}}
        - name: production
          project: mlab-oti
          region: us-east1
          zones: [b]
          promotion: window
          window: {day: tuesday, time: "15:00", length: 3h}
          convergenceDeadline: 5h
          kubernetes: {}
          alerts: {alertmanager: "https://am.example.org/p", matchers: ['severity=~"critical|page"', "team!='x'"],
                   exclude: [], pollInterval: 30s, maxPoll: 5m, blockAfter: 1d, cacheFor: 0s, timeout: 3s,
                   onUnreachable: proceed}
          reboot: {method: ssh, command: "sudo reboot", kured: {namespace: kured, ttl: 1h}}
          images: {ref: tag, cloudBuild: {triggers: [t3], endpoint: "https://cb.example.org"},
                   epoxy: {project: mlab-epoxy, namespace: ePoxy2, hostPattern: "^mlab[1-4]",
                           endpoint: "https://ds.example.org"}}
      """;

  private static FleetConfig reloaded(FleetConfig config) throws ConfigException {
    return ConfigLoader.parse(EffectiveConfig.yaml(config), Path.of("effective.yaml"));
  }

  @Test
  void theEffectiveConfigLoadsBackTheSame() throws Exception {
    // Given the real fleet, the demo and a config away from every default
    List<FleetConfig> configs = List.of(ConfigLoader.load(REPO.resolve("config/fleet.yaml")),
        ConfigLoader.load(REPO.resolve("config/demo.yaml")), ConfigLoader.parse(UNUSUAL, Path.of("unusual.yaml")));

    for (FleetConfig config : configs) {
      // When its effective config is written and loaded again
      FleetConfig again = reloaded(config);

      // Then nothing was lost or changed
      assertThat(again).as(config.source().toString()).usingRecursiveComparison().ignoringFields("source")
          .isEqualTo(config);
    }
  }

  @Test
  void everyFieldAFileSetsAndEveryDefaultIsPrinted() throws Exception {
    // Given fleet.yaml, and a config that sets only what is required
    FleetConfig fleet = ConfigLoader.load(REPO.resolve("config/fleet.yaml"));
    JsonNode file = YAML.readTree(Files.readString(REPO.resolve("config/fleet.yaml")));
    FleetConfig minimal = ConfigLoader.parse("""
        stages: [{name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}]
        simulation: {}
        """, Path.of("minimal.yaml"));

    // When their effective configs are written
    JsonNode effective = YAML.readTree(EffectiveConfig.yaml(fleet));
    String printed = EffectiveConfig.yaml(minimal);

    // Then every path the file sets is there (its top-level reboot section is in each stage)
    List<String> missing = new ArrayList<>();
    missingPaths(file, effective, "", missing);
    assertThat(missing).isEmpty();
    file.path("reboot").fieldNames().forEachRemaining(field ->
        assertThat(effective.path("stages").get(0).path("reboot").has(field)).as("stages[0].reboot." + field).isTrue());
    // And the defaults a file leaves out are printed, none-defaults as null
    assertThat(printed).contains("address: localhost:7233", "namePattern: \"api-platform-cluster-{region}-{zone}\"",
        "user: fleet-upgrade", "privateKeyPath: null", "scriptTimeout: 45m", "timeout: 10m", "buildTimeout: 3h",
        "maxUnavailable: 20", "nodeDeadline: 30m", "method: ssh", "command: sudo systemctl reboot",
        "ttl: 30m", "soak: 0s", "promotion: auto", "adminConfDestination: gs://k8s-support-mlab-sandbox/admin.conf",
        "changelog: null", "ignoredNodeTaints:\n  - lame-duck");
  }

  private static void missingPaths(JsonNode file, JsonNode effective, String path, List<String> missing) {
    if (file.isObject()) {
      file.fieldNames().forEachRemaining(field -> {
        String at = path.isEmpty() ? field : path + "." + field;
        if (at.equals("reboot")) {
          return;
        }
        if (!effective.has(field)) {
          missing.add(at);
        } else {
          missingPaths(file.get(field), effective.get(field), at, missing);
        }
      });
    } else if (file.isArray()) {
      for (int i = 0; i < file.size(); i++) {
        missingPaths(file.get(i), effective.path(i), path + "[" + i + "]", missing);
      }
    }
  }
}
