package org.fleetupgrade.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.devtools.cloudbuild.v1.CloudBuildClient;
import com.google.datastore.v1.Entity;
import com.google.datastore.v1.Key;
import com.google.datastore.v1.PartitionId;
import com.google.datastore.v1.Value;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.fleetupgrade.images.PipelineImageActivities.ImageWait;
import org.fleetupgrade.images.cloudbuild.BuildTrigger;
import org.fleetupgrade.images.cloudbuild.CloudBuildWatcher;
import org.fleetupgrade.images.cloudbuild.LocalCloudBuild;
import org.fleetupgrade.images.cloudbuild.TestClock;
import org.fleetupgrade.images.epoxy.EpoxyHosts;
import org.fleetupgrade.images.epoxy.LocalDatastore;
import org.fleetupgrade.images.git.EpoxyImagesRepository;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.images.git.RepositorySettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image activities as Temporal runs them: retries that remember the wait, bounded results. */
class PipelineImageActivitiesTest {

  static final Instant START = Instant.parse("2026-11-27T12:00:00Z");

  @TempDir
  Path dir;

  TestClock clock = new TestClock(START);
  LocalCloudBuild cloudBuild;
  LocalDatastore datastore;
  TestActivityEnvironment env;
  ImageActivities images;

  @BeforeEach
  void start() throws Exception {
    cloudBuild = new LocalCloudBuild();
    datastore = new LocalDatastore();
    CloudBuildWatcher watcher = new CloudBuildWatcher(CloudBuildClient.create(CloudBuildWatcher.settings(
        cloudBuild.endpoint())), clock, Duration.ofMinutes(1), clock::advance);
    EpoxyImagesRepository unused = new EpoxyImagesRepository(new RepositorySettings(dir.toString(), null, dir, "config.sh",
        "main", RepositorySettings.DEFAULT_BRANCH_PATTERN, "a", "a@example.org", Duration.ofSeconds(5)), clock);
    StageImagePipeline production = new StageImagePipeline(new StageImagePipeline.Settings(RefPolicy.TAG,
        new BuildTrigger("mlab-oti", "global", List.of("stage3")), Duration.ofMinutes(15), Duration.ofHours(3),
        Duration.ofMinutes(1), Pattern.compile("^mlab[1-3]")), unused, watcher,
        EpoxyHosts.connect("mlab-oti", "ePoxy", datastore.endpoint()), clock, clock::advance);
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new PipelineImageActivities(Map.of("production", production), clock));
    images = env.newActivityStub(ImageActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @AfterEach
  void close() {
    env.close();
    cloudBuild.close();
    datastore.close();
  }

  @Test
  void aRetriedWaitKeepsItsStartSoTheAppearTimeoutIsNotRestarted() {
    // Given an earlier attempt that searched for 14 of its 15 minutes before the worker died
    env.setHeartbeatDetails(new ImageWait(START.minus(Duration.ofMinutes(14)).toEpochMilli(), "stage3", null,
        "searching", 840, null));
    ImageRelease release = new ImageRelease("production", "v2.4.31", "c0ffee", List.of(), false, "v2.4.31", START);

    // When this attempt finds no build either, Then it gives up a minute or two later, not 15
    assertThatThrownBy(() -> images.awaitImages(release))
        .isInstanceOf(ActivityFailure.class)
        .rootCause().isInstanceOfSatisfying(ApplicationFailure.class,
            f -> assertThat(f.getType()).isEqualTo(CloudBuildWatcher.BUILD_NOT_FOUND));
    assertThat(Duration.between(START, clock.instant())).isLessThanOrEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void pointedHostsAreCountedWithABoundedSampleOfNames() {
    // Given 30 production hosts that match the pattern and 5 that do not
    IntStream.range(0, 30).forEach(i -> datastore.put(host("mlab1-s%02d.mlab-oti.measurement-lab.org".formatted(i))));
    IntStream.range(0, 5).forEach(i -> datastore.put(host("mlab4-s%02d.mlab-oti.measurement-lab.org".formatted(i))));

    HostsPointed pointed = images.pointHosts(new ImageBuild("production", "v2.4.31", "b", "v2.4.31", "c", null));

    assertThat(pointed.changed()).isEqualTo(30);
    assertThat(pointed.leftOut()).isEqualTo(5);
    assertThat(pointed.changedSample()).hasSize(HostsPointed.SAMPLE).allMatch(h -> h.startsWith("mlab1-"));
    assertThat(images.pointHosts(new ImageBuild("production", "v2.4.31", "b", "v2.4.31", "c", null)).unchanged())
        .as("a re-run changes nothing").isEqualTo(30);
  }

  @Test
  void aStageWithoutAPipelineIsNamed() {
    assertThatThrownBy(() -> images.awaitNoBuildRunning("staging"))
        .rootCause().hasMessageContaining("stage 'staging' has no image pipeline on this worker");
  }

  private static Entity host(String name) {
    return Entity.newBuilder()
        .setKey(Key.newBuilder().setPartitionId(PartitionId.newBuilder().setProjectId("mlab-oti").setNamespaceId("ePoxy"))
            .addPath(Key.PathElement.newBuilder().setKind("Host").setName(name)))
        .putProperties(EpoxyHosts.IMAGES_VERSION, Value.newBuilder().setStringValue("v2.4.30").build())
        .build();
  }
}
