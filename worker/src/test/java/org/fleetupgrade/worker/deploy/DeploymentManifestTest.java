package org.fleetupgrade.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.fleetupgrade.activity.TimerHeartbeat;
import org.fleetupgrade.controlplane.ssh.RemoteProcessGroups;
import org.fleetupgrade.worker.cli.WorkerCommand;
import org.fleetupgrade.worker.config.ConfigLoader;
import org.fleetupgrade.worker.config.FleetConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What k8s/worker.yaml and worker/Dockerfile promise, so that breaking a promise fails the build:
 * the worker runs as nobody with every privilege dropped on a read-only root filesystem, from an
 * image pinned to the project's version; every file config/fleet.yaml names is a Secret's file
 * mounted exactly there (readable by the worker, by no one else), every directory it writes is an
 * emptyDir; and the pod waits for the worker's own stop. Neither file can be run here (no cluster,
 * no Docker daemon): this is what can be checked without.
 */
class DeploymentManifestTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));
  private static final long NOBODY = 65534;

  private static JsonNode pod;
  private static JsonNode worker;
  private static String dockerfile;

  @BeforeAll
  static void read() throws IOException {
    JsonNode deployment = RbacManifestTest.documents(REPO.resolve("k8s/worker.yaml")).stream()
        .filter(d -> "Deployment".equals(d.path("kind").asText())).findFirst().orElseThrow();
    pod = deployment.path("spec").path("template").path("spec");
    assertThat(pod.path("containers")).hasSize(1);
    worker = pod.path("containers").get(0);
    dockerfile = Files.readString(REPO.resolve("worker/Dockerfile"));
  }

  /** Every container of the pod, init containers included. */
  private static List<JsonNode> containers() {
    List<JsonNode> all = new ArrayList<>();
    pod.path("containers").forEach(all::add);
    pod.path("initContainers").forEach(all::add);
    return all;
  }

  @Test
  void theWorkerRunsAsNobodyWithNoPrivilegeOnAReadOnlyRoot() {
    JsonNode security = pod.path("securityContext");
    assertThat(security.path("runAsUser").asLong()).isEqualTo(NOBODY);
    assertThat(security.path("runAsGroup").asLong()).isEqualTo(NOBODY);
    assertThat(security.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(security.path("fsGroup").asLong()).as("Secret files readable through the group").isEqualTo(NOBODY);
    assertThat(security.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    assertThat(pod.path("hostNetwork").asBoolean(false)).isFalse();
    assertThat(pod.path("hostPID").asBoolean(false)).isFalse();
    for (JsonNode container : containers()) {
      JsonNode own = container.path("securityContext");
      String name = container.path("name").asText();
      assertThat(own.path("allowPrivilegeEscalation").isBoolean() && !own.path("allowPrivilegeEscalation").asBoolean())
          .as("%s: allowPrivilegeEscalation: false", name).isTrue();
      assertThat(own.path("readOnlyRootFilesystem").asBoolean()).as("%s: readOnlyRootFilesystem", name).isTrue();
      assertThat(own.path("capabilities").path("drop").toString()).as("%s drops every capability", name)
          .isEqualTo("[\"ALL\"]");
      assertThat(own.path("capabilities").path("add").isMissingNode()).as("%s adds none", name).isTrue();
      assertThat(own.path("privileged").asBoolean(false)).isFalse();
      for (String id : List.of("runAsUser", "runAsGroup")) {
        assertThat(own.path(id).isMissingNode() || own.path(id).asLong() == NOBODY).as("%s: %s", name, id).isTrue();
      }
    }
    assertThat(dockerfile).as("the image runs as nobody too, whatever runs it").containsPattern("(?m)^USER 65534:65534$");
  }

  @Test
  void theImageIsPinnedToTheProjectsVersionAndBuiltByTheDockerfile() throws Exception {
    String version = projectVersion().replaceFirst("-SNAPSHOT$", "");
    String image = worker.path("image").asText();
    assertThat(image).doesNotEndWith(":latest").endsWith(":" + version);
    assertThat(dockerfile).contains("org.opencontainers.image.version=\"" + version + "\"");

    Matcher from = Pattern.compile("(?m)^FROM (\\S+)").matcher(dockerfile);
    assertThat(from.find()).isTrue();
    String base = from.group(1);
    assertThat(base).as("the base image is pinned: an exact release or a digest")
        .matches(".+(:\\d+\\.\\d+\\.\\d+[^:@]*(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})").doesNotContain(":latest")
        .contains(":17.");
    assertThat(from.find()).as("one stage").isFalse();

    assertThat(Files.readString(REPO.resolve("worker/pom.xml"))).contains("<finalName>fleet-upgrade</finalName>");
    assertThat(dockerfile).containsPattern("(?m)^COPY target/fleet-upgrade\\.jar ");
    assertThat(entrypoint()).as("exec form: no shell between the container and the JVM")
        .startsWith("java").contains("-jar");
  }

  @Test
  void everyFileTheConfigReadsIsASecretsFileMountedThereAndEveryDirectoryItWritesAnEmptyDir() throws Exception {
    Map<String, String> secretFiles = filesOf("secret");
    Map<String, String> configFiles = filesOf("configMap");
    List<String> writable = writableMounts();

    // The config itself: the ConfigMap's fleet.yaml.
    List<String> args = new ArrayList<>();
    worker.path("args").forEach(a -> args.add(a.asText()));
    assertThat(args).startsWith("worker", "--config");
    String configPath = args.get(2);
    assertThat(configFiles).containsEntry(configPath, "fleet.yaml");
    assertThat(Path.of(configPath).getFileName()).hasToString("fleet.yaml");

    FleetConfig fleet = ConfigLoader.load(REPO.resolve("config/fleet.yaml"));
    Map<String, String> credentials = new LinkedHashMap<>();
    credentials.put("controlPlane.ssh.privateKeyPath", fleet.controlPlane().ssh().privateKeyPath());
    credentials.put("controlPlane.ssh.knownHostsPath", fleet.controlPlane().ssh().knownHostsPath());
    credentials.put("images.tokenFile", fleet.images().tokenFile());
    List<String> directories = new ArrayList<>(List.of(fleet.images().cacheDir()));
    for (FleetConfig.Stage stage : fleet.stages()) {
      String at = "stages[" + stage.name() + "].";
      stage.kubernetes().ifPresent(k -> credentials.put(at + "kubernetes.kubeconfig", k.kubeconfig()));
      stage.images().ifPresent(i -> {
        credentials.put(at + "images.tokenFile", i.images().tokenFile());
        directories.add(i.images().cacheDir());
      });
      credentials.put(at + "reboot.api.passwordFile", stage.rebooting().apiPasswordFile());
    }
    credentials.put("env GOOGLE_APPLICATION_CREDENTIALS", env("GOOGLE_APPLICATION_CREDENTIALS"));
    credentials.values().removeIf(v -> v == null);
    assertThat(credentials).as("config/fleet.yaml's real stages read their credentials from files").isNotEmpty();
    credentials.forEach((field, file) -> assertThat(secretFiles).as("%s: %s is a Secret's file mounted there", field, file)
        .containsKey(file));
    assertThat(fleet.stages()).allSatisfy(s -> assertThat(s.kubernetes()).as("stage %s names its kubeconfig", s.name())
        .hasValueSatisfying(k -> assertThat(k.kubeconfig()).isNotNull()));

    // What the worker writes: the git cache, Java's temporary files, its home (JGit's config).
    directories.add(jvmProperty("java.io.tmpdir"));
    directories.add(jvmProperty("user.home"));
    directories.add(env("HOME"));
    for (String directory : directories) {
      assertThat(writable).as("%s is on a writable emptyDir (the root filesystem is read-only)", directory)
          .anyMatch(mount -> directory.equals(mount) || directory.startsWith(mount + "/"));
    }
  }

  @Test
  void secretFilesAreReadableByTheWorkersGroupOnly() {
    long fsGroup = pod.path("securityContext").path("fsGroup").asLong(-1);
    assertThat(fsGroup).isEqualTo(pod.path("securityContext").path("runAsGroup").asLong());
    List<JsonNode> secrets = new ArrayList<>();
    pod.path("volumes").forEach(v -> {
      if (v.has("secret")) {
        secrets.add(v);
      }
    });
    assertThat(secrets).isNotEmpty().allSatisfy(volume -> {
      // Secret files are root's; fsGroup makes them the worker's group's, and group read is what
      // lets uid 65534 read them (the kubelet adds it under fsGroup whatever defaultMode says).
      int mode = volume.path("secret").path("defaultMode").asInt(-1);
      assertThat(mode).as("%s: defaultMode 0440", volume.path("name").asText()).isEqualTo(0440);
      volume.path("secret").path("items").forEach(item ->
          assertThat(item.path("mode").isMissingNode()).as("no item widens its mode").isTrue());
    });
  }

  @Test
  void thePodWaitsForTheWorkersOwnStopWhichCoversACancellationAndStaysInsideTheHeartbeat() throws Exception {
    long grace = pod.path("terminationGracePeriodSeconds").asLong();
    assertThat(Duration.ofSeconds(grace)).as("SIGKILL comes after the worker has stopped by itself")
        .isGreaterThan(WorkerCommand.STOP_LIMIT);
    assertThat(WorkerCommand.STOP_LIMIT).isGreaterThan(WorkerCommand.ACTIVITY_GRACE);

    // A script's stop under way (SIGTERM, its grace, SIGKILL over a new connection) is not cut short.
    FleetConfig fleet = ConfigLoader.load(REPO.resolve("config/fleet.yaml"));
    Duration stop = RemoteProcessGroups.DEFAULT.grace().plus(fleet.controlPlane().ssh().connectTimeout()).plusSeconds(10);
    assertThat(WorkerCommand.ACTIVITY_GRACE).isGreaterThanOrEqualTo(stop);
    // No heartbeat leaves a stopping worker; the workflows' 2-minute heartbeat timeout counts from the
    // last one, at most a period before the signal: past that a retry may start elsewhere.
    Duration heartbeatTimeout = Duration.ofMinutes(2);
    assertThat(WorkerCommand.ACTIVITY_GRACE).isLessThan(heartbeatTimeout.minus(TimerHeartbeat.PERIOD));
  }

  /** Secret or ConfigMap files as mounted: path in the container -> the key it holds. */
  private static Map<String, String> filesOf(String kind) {
    Map<String, String> files = new LinkedHashMap<>();
    for (JsonNode mount : worker.path("volumeMounts")) {
      JsonNode volume = volume(mount.path("name").asText());
      if (!volume.has(kind)) {
        continue;
      }
      assertThat(mount.path("subPath").isMissingNode()).as("no subPath (it would not see updates)").isTrue();
      JsonNode items = volume.path(kind).path("items");
      assertThat(items.isArray() && !items.isEmpty()).as("%s lists its keys", mount.path("name").asText()).isTrue();
      items.forEach(item -> files.put(mount.path("mountPath").asText() + "/" + item.path("path").asText(),
          item.path("key").asText()));
    }
    return files;
  }

  private static List<String> writableMounts() {
    List<String> writable = new ArrayList<>();
    for (JsonNode mount : worker.path("volumeMounts")) {
      if (volume(mount.path("name").asText()).has("emptyDir") && !mount.path("readOnly").asBoolean(false)) {
        writable.add(mount.path("mountPath").asText());
      }
    }
    return writable;
  }

  private static JsonNode volume(String name) {
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.path("name").asText().equals(name)) {
        return volume;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  private static String env(String name) {
    for (JsonNode variable : worker.path("env")) {
      if (variable.path("name").asText().equals(name)) {
        return variable.path("value").asText();
      }
    }
    throw new AssertionError("worker.yaml sets no " + name);
  }

  private static List<String> entrypoint() throws IOException {
    Matcher m = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(dockerfile);
    assertThat(m.find()).as("an ENTRYPOINT in exec form").isTrue();
    List<String> words = new ArrayList<>();
    new ObjectMapper().readTree(m.group(1)).forEach(w -> words.add(w.asText()));
    return words;
  }

  private static String jvmProperty(String name) throws IOException {
    return entrypoint().stream().filter(w -> w.startsWith("-D" + name + "=")).map(w -> w.substring(name.length() + 3))
        .findFirst().orElseThrow(() -> new AssertionError("the Dockerfile's ENTRYPOINT sets no " + name));
  }

  private static String projectVersion() throws Exception {
    var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(REPO.resolve("pom.xml").toFile());
    var children = document.getDocumentElement().getChildNodes();
    return Stream.iterate(0, i -> i < children.getLength(), i -> i + 1).map(children::item)
        .filter(n -> "version".equals(n.getNodeName())).findFirst().orElseThrow().getTextContent().trim();
  }
}
