package org.fleetupgrade.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.Map;
import org.fleetupgrade.images.ImageActivities;
import java.time.Instant;
import java.util.List;
import org.fleetupgrade.images.HostsPointed;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.ImageRequest;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router as Temporal sees it: one registered implementation, each call served by its stage's adapter. */
class StageRouterTest {

  private static final TargetVersions TARGET = TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1");

  private TestActivityEnvironment env;
  private ImageActivities images;

  /** An adapter that says which stage it served, and who it is. */
  record Named(String who) implements ImageActivities {
    @Override
    public ImageRelease publish(ImageRequest request) {
      return new ImageRelease(request.stage(), who, "c", List.of(), false, "latest", Instant.EPOCH);
    }

    @Override
    public ImageBuild awaitImages(ImageRelease release) {
      return new ImageBuild(release.stage(), who, "b", release.imagesVersion());
    }

    @Override
    public HostsPointed pointHosts(ImageBuild build) {
      return new HostsPointed(build.stage(), who, 0, 0, 0, List.of());
    }

    @Override
    public String awaitNoBuildRunning(String stage) {
      return who;
    }

    @Override
    public ImageBuild triggerBuild(String stage, TargetVersions target) {
      return new ImageBuild(stage, who, "build-" + stage, target.kubernetes().toString());
    }

    @Override
    public ImageBuild awaitBuild(ImageBuild build) {
      return new ImageBuild(build.stage(), who, build.buildId(), build.imagesVersion());
    }
  }

  @BeforeEach
  void register() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(StageRouter.route(ImageActivities.class,
        Map.of("sandbox", new Named("simulated"), "production", new Named("real"))));
    images = env.newActivityStub(ImageActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @AfterEach
  void close() {
    env.close();
  }

  @Test
  void eachCallGoesToItsStagesAdapter() {
    assertThat(images.triggerBuild("sandbox", TARGET).ref()).isEqualTo("simulated");
    assertThat(images.triggerBuild("production", TARGET).ref()).isEqualTo("real");
  }

  @Test
  void aRecordArgumentIsRoutedByItsStage() {
    assertThat(images.awaitBuild(new ImageBuild("production", "x", "b-1", "v1.31.2")).ref()).isEqualTo("real");
  }

  @Test
  void everyImageCallIsRoutedByTheStageOfItsFirstArgument() {
    ImageRelease release = images.publish(new ImageRequest("production", "u", TARGET, null, null));
    assertThat(release.ref()).isEqualTo("real");
    assertThat(images.awaitImages(release).ref()).isEqualTo("real");
    assertThat(images.pointHosts(new ImageBuild("sandbox", "x", "b", "v2.4.31")).imagesVersion()).isEqualTo("simulated");
    assertThat(images.awaitNoBuildRunning("sandbox")).isEqualTo("simulated");
  }

  @Test
  void aStageWithoutAnAdapterIsANonRetryableFailureNamingWhatThereIs() {
    assertThatThrownBy(() -> images.triggerBuild("staging", TARGET))
        .isInstanceOf(ActivityFailure.class)
        .rootCause().isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).isEqualTo(
              "stage 'staging' has no ImageActivities adapter on this worker (it serves production, sandbox)");
        });
  }
}
