package org.fleetupgrade.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.devtools.cloudbuild.v1.CloudBuildClient;
import com.google.cloudbuild.v1.Build;
import com.google.datastore.v1.Entity;
import com.google.datastore.v1.Key;
import com.google.datastore.v1.PartitionId;
import com.google.datastore.v1.Value;
import com.google.protobuf.Timestamp;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.fleetupgrade.images.cloudbuild.BuildTrigger;
import org.fleetupgrade.images.cloudbuild.CloudBuildWatcher;
import org.fleetupgrade.images.cloudbuild.LocalCloudBuild;
import org.fleetupgrade.images.cloudbuild.TestClock;
import org.fleetupgrade.images.epoxy.EpoxyHosts;
import org.fleetupgrade.images.epoxy.HostsUpdate;
import org.fleetupgrade.images.epoxy.LocalDatastore;
import org.fleetupgrade.images.git.EpoxyImagesRepository;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.images.git.RepositorySettings;
import org.fleetupgrade.images.git.Upstream;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stage's whole image pipeline over the three real clients: JGit against a bare repository, the
 * Cloud Build client against a local server, the Datastore client against a local endpoint.
 */
class StageImagePipelineTest {

  static final TargetVersions TARGET = TargetVersions.parse("v1.35.1", "v1.9.1", "v1.35.0");
  static final String CONFIG = "export K8S_VERSION=v1.34.4\nexport K8S_CNI_VERSION=v1.9.0\nexport K8S_CRICTL_VERSION=v1.34.0\n";
  static final String PROJECT = "mlab-oti";
  static final String LOCATION = "projects/" + PROJECT;
  static final List<String> HOSTS = List.of("mlab1-lga03.mlab-oti.measurement-lab.org",
      "mlab2-lga03.mlab-oti.measurement-lab.org", "mlab4-lga03.mlab-oti.measurement-lab.org");

  @TempDir
  Path dir;

  Upstream repo;
  LocalCloudBuild cloudBuild;
  LocalDatastore datastore;
  TestClock clock = new TestClock(Instant.now());
  List<String> progress = new ArrayList<>();

  @BeforeEach
  void servers() throws Exception {
    repo = new Upstream(dir.resolve("remote"), CONFIG);
    cloudBuild = new LocalCloudBuild();
    datastore = new LocalDatastore();
    HOSTS.forEach(h -> datastore.put(host(h, "v2.4.30")));
  }

  @AfterEach
  void close() {
    cloudBuild.close();
    datastore.close();
  }

  private StageImagePipeline pipeline(RefPolicy ref, boolean epoxy) throws Exception {
    CloudBuildWatcher watcher = new CloudBuildWatcher(CloudBuildClient.create(CloudBuildWatcher.settings(
        cloudBuild.endpoint())), clock, Duration.ofSeconds(30), d -> clock.advance(d));
    EpoxyImagesRepository repository = new EpoxyImagesRepository(new RepositorySettings(repo.url(), null,
        dir.resolve("cache"), "config.sh", "main", RepositorySettings.DEFAULT_BRANCH_PATTERN, "fleet-upgrade",
        "fleet-upgrade@example.org", Duration.ofSeconds(30)), clock);
    return new StageImagePipeline(new StageImagePipeline.Settings(ref, new BuildTrigger(PROJECT, "global",
        List.of("stage3", "stage1")), Duration.ofMinutes(15), Duration.ofHours(3), Duration.ofMinutes(1),
        Pattern.compile("^mlab[1-3]")), repository, watcher,
        epoxy ? EpoxyHosts.connect(PROJECT, "ePoxy", datastore.endpoint()) : null, clock, d -> {
          clock.advance(d);
          cloudBuild.get(LOCATION, "running-1");
        });
  }

  /** mlab-oti's triggers on v*.*.* tags: each builds the pushed tag, queued, working, then done. */
  private void tagTrigger(String tag, String commit) {
    cloudBuild.beforeList(server -> {
      if (repoHasTag(tag)) {
        for (String trigger : List.of("stage3", "stage1")) {
          server.add(LOCATION, build(trigger + "-" + tag, trigger, Build.Status.QUEUED).toBuilder()
              .putSubstitutions("TAG_NAME", tag).putSubstitutions("COMMIT_SHA", commit).build(),
              Build.Status.WORKING, Build.Status.SUCCESS);
        }
        server.beforeList(s -> { });
      }
    });
  }

  private boolean repoHasTag(String tag) {
    try {
      return repo.ref("refs/tags/" + tag) != null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void productionTagsBuildsAndPointsItsHostsAtTheRelease() throws Exception {
    // Given main carries the target (staging built it) and the last release is v2.4.30
    repo.tag("v2.4.30", repo.ref("refs/heads/main"));
    repo.commit("config.sh", CONFIG.replace("v1.34.4", "v1.35.1").replace("v1.9.0", "v1.9.1")
        .replace("v1.34.0", "v1.35.0"), "Kubernetes v1.35.1");
    String main = repo.ref("refs/heads/main").name();
    tagTrigger("v2.4.31", main);
    StageImagePipeline production = pipeline(RefPolicy.TAG, true);

    // When production publishes, awaits both builds and points its hosts
    ImageRelease release = production.publish(new ImageRequest("production", "fleet-upgrade-v1.35.1", TARGET, main, null),
        false);
    ImageBuild build = production.awaitBuilds(release, clock.instant(), wait -> progress.add(wait.status()));
    HostsUpdate hosts = production.pointHosts(build, progress::add);

    // Then the tag was built by both triggers and mlab1-2 boot it; mlab4 is left out
    assertThat(release.ref()).isEqualTo("v2.4.31");
    assertThat(build.buildId()).isEqualTo("stage3-v2.4.31,stage1-v2.4.31");
    assertThat(build.pinned()).isTrue();
    assertThat(progress).contains("QUEUED", "WORKING");
    assertThat(hosts.changed()).containsExactly(HOSTS.get(0), HOSTS.get(1));
    assertThat(hosts.leftOut()).containsExactly(HOSTS.get(2));
    assertThat(imagesVersion(HOSTS.get(0))).isEqualTo("v2.4.31");
    assertThat(imagesVersion(HOSTS.get(2))).isEqualTo("v2.4.30");
  }

  @Test
  void aHostWrittenBackByEpoxyWhileItBootsIsPointedAgain() throws Exception {
    // Given ePoxy saves mlab1's entity, loaded before our change, right after we commit mlab2
    StageImagePipeline production = pipeline(RefPolicy.TAG, true);
    datastore.beforeCommit(first -> { });
    datastore.beforeCommit(second -> datastore.put(host(HOSTS.get(0), "v2.4.30")));

    // When the hosts are pointed
    HostsUpdate hosts = production.pointHosts(new ImageBuild("production", "v2.4.31", "b", "v2.4.31", "c", null),
        progress::add);

    // Then the write-back was seen and undone: every matching host boots the release
    assertThat(hosts.changed()).hasSize(2);
    assertThat(hosts.unchanged()).isEmpty();
    assertThat(progress).anyMatch(p -> p.startsWith("written back by ePoxy meanwhile, pointing again: " + HOSTS.get(0)));
    assertThat(imagesVersion(HOSTS.get(0))).isEqualTo("v2.4.31");
    assertThat(imagesVersion(HOSTS.get(1))).isEqualTo("v2.4.31");
  }

  @Test
  void theRebootWaitsWhileABuildOverwritesTheImagesInPlace() throws Exception {
    // Given a build of the stage's trigger still working (it finishes on the third look)
    cloudBuild.add(LOCATION, build("running-1", "stage3", Build.Status.WORKING), Build.Status.WORKING,
        Build.Status.SUCCESS);
    StageImagePipeline staging = pipeline(RefPolicy.MAIN, false);

    // When the reboot asks, Then it waited for that build, and says so
    String waited = staging.awaitNoBuildRunning("staging", clock.instant(), progress::add);
    assertThat(waited).startsWith("waited 2m for builds of staging's images to finish (running-1)");
    assertThat(progress).first().asString().startsWith("not rebooting while WORKING build running-1");
    assertThat(staging.awaitNoBuildRunning("staging", clock.instant(), progress::add)).as("nothing running now").isNull();
  }

  @Test
  void aBuildRunningForeverBlocksTheRebootInsteadOfWaitingForever() throws Exception {
    Build stuck = build("stuck", "stage1", Build.Status.WORKING);
    cloudBuild.add(LOCATION, List.of(stuck));
    StageImagePipeline staging = pipeline(RefPolicy.MAIN, false);

    assertThatThrownBy(() -> staging.awaitNoBuildRunning("staging", clock.instant(), progress::add))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo("ImageBuildRunning");
        })
        .hasMessageContaining("builds of staging's images still run after 3h (WORKING build stuck");
  }

  @Test
  void latestImagesOverwrittenByALaterBuildOfAnotherRefAreNotTrusted() throws Exception {
    // Given sandbox's branch was built, and then a build of another branch finished: `latest` is theirs now
    StageImagePipeline sandbox = pipeline(RefPolicy.BRANCH, false);
    ImageRelease release = sandbox.publish(new ImageRequest("sandbox", "fleet-upgrade-v1.35.1", TARGET, null, null), false);
    Instant t = clock.instant();
    finished("ours", release.commit(), t, t.plusSeconds(600));
    finished("theirs", "f".repeat(40), t.plusSeconds(60), t.plusSeconds(900));

    // When the builds are awaited, Then ours is not taken for what the nodes will boot
    assertThatThrownBy(() -> sandbox.awaitBuilds(release, clock.instant(), wait -> { }))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("ImagesOverwritten"))
        .hasMessageContaining("the sandbox images of sandbox-v1.35.1 (build ours-stage3) were overwritten since by"
            + " SUCCESS build theirs-stage3");
  }

  @Test
  void anOlderBuildOfAnotherRefDoesNotCount() throws Exception {
    StageImagePipeline sandbox = pipeline(RefPolicy.BRANCH, false);
    ImageRelease release = sandbox.publish(new ImageRequest("sandbox", "fleet-upgrade-v1.35.1", TARGET, null, null), false);
    Instant t = clock.instant();
    finished("older", "f".repeat(40), t.minusSeconds(900), t.minusSeconds(300));
    finished("ours", release.commit(), t, t.plusSeconds(600));

    assertThat(sandbox.awaitBuilds(release, clock.instant(), wait -> { }).buildId()).isEqualTo("ours-stage3,ours-stage1");
  }

  /** A successful build of {@code commit} by each of the stage's two triggers. */
  private void finished(String id, String commit, Instant started, Instant done) {
    for (String trigger : List.of("stage3", "stage1")) {
      cloudBuild.add(LOCATION, List.of(build(id + "-" + trigger, trigger, Build.Status.SUCCESS).toBuilder()
          .setCreateTime(Timestamp.newBuilder().setSeconds(started.getEpochSecond()))
          .setStartTime(Timestamp.newBuilder().setSeconds(started.getEpochSecond()))
          .setFinishTime(Timestamp.newBuilder().setSeconds(done.getEpochSecond()))
          .putSubstitutions("COMMIT_SHA", commit).build()));
    }
  }

  @Test
  void aStageWithoutEpoxyRefusesToPointHosts() throws Exception {
    StageImagePipeline sandbox = pipeline(RefPolicy.BRANCH, false);

    assertThatThrownBy(() -> sandbox.pointHosts(new ImageBuild("sandbox", "x", "b", "v2.4.31", "c", null), progress::add))
        .hasMessageContaining("nothing to point at v2.4.31");
  }

  private Build build(String id, String trigger, Build.Status status) {
    return Build.newBuilder().setId(id).setBuildTriggerId(trigger).setProjectId(PROJECT).setStatus(status)
        .setCreateTime(Timestamp.newBuilder().setSeconds(clock.instant().getEpochSecond()))
        .setLogUrl("https://console.cloud.google.com/cloud-build/builds/" + id).build();
  }

  private String imagesVersion(String host) {
    return datastore.get("ePoxy", "Host", host).getPropertiesOrThrow(EpoxyHosts.IMAGES_VERSION).getStringValue();
  }

  private static Entity host(String name, String imagesVersion) {
    return Entity.newBuilder()
        .setKey(Key.newBuilder().setPartitionId(PartitionId.newBuilder().setProjectId(PROJECT).setNamespaceId("ePoxy"))
            .addPath(Key.PathElement.newBuilder().setKind("Host").setName(name)))
        .putProperties("Name", Value.newBuilder().setStringValue(name).build())
        .putProperties(EpoxyHosts.IMAGES_VERSION, Value.newBuilder().setStringValue(imagesVersion).build())
        .build();
  }
}
