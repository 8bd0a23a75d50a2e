package org.fleetupgrade.images.cloudbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.devtools.cloudbuild.v1.CloudBuildClient;
import com.google.cloud.devtools.cloudbuild.v1.CloudBuildSettings;
import com.google.cloudbuild.v1.Build;
import com.google.cloudbuild.v1.Build.Status;
import com.google.protobuf.Timestamp;
import io.temporal.client.ActivityCanceledException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.images.cloudbuild.LocalCloudBuild.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real CloudBuildClient against a local Cloud Build (HTTP/JSON, and gRPC for regional triggers).
 * Waiting is simulated: the Sleeper advances a test clock by the poll interval.
 */
class CloudBuildWatcherTest {

  private static final String PROJECT = "mlab-sandbox";
  private static final String LOCATION = "projects/" + PROJECT;
  private static final String MAIN = "epoxy-images-main";
  private static final String STAGE1 = "epoxy-images-stage1";
  private static final String COMMIT = "9f1c2e7a4b5d6e7f8091a2b3c4d5e6f708192a3b";
  private static final Instant PUSHED = Instant.parse("2025-03-04T10:00:00Z");
  private static final Instant NOT_BEFORE = PUSHED.minusSeconds(60);
  private static final Duration POLL = Duration.ofMinutes(1);
  private static final Duration APPEAR = Duration.ofMinutes(10);
  private static final Duration BUILD_TIMEOUT = Duration.ofHours(3);
  private static final String DETAIL = "Build step 4 \"gcr.io/cloud-builders/docker\" failed: exit status 1";

  private final TestClock clock = new TestClock(PUSHED);
  private final List<BuildWait> reports = new ArrayList<>();
  private LocalCloudBuild cloudBuild;
  private CloudBuildWatcher watcher;

  @BeforeEach
  void serve() throws IOException {
    cloudBuild = new LocalCloudBuild();
    watcher = watcher(CloudBuildClient.create(fast(CloudBuildWatcher.settings(cloudBuild.endpoint()).toBuilder())));
  }

  @AfterEach
  void stop() {
    watcher.close();
    cloudBuild.close();
  }

  @Test
  void aQueuedThenWorkingBuildIsFollowedToSuccess() {
    // Given the pushed commit's build, queued, then working, then successful
    Build queued = build("b-1", MAIN, PUSHED.minusSeconds(30), Status.QUEUED, commitSubstitutions(COMMIT));
    Build working = queued.toBuilder().setStatus(Status.WORKING).setStartTime(timestamp(PUSHED.plusSeconds(20))).build();
    Build success = working.toBuilder().setStatus(Status.SUCCESS).setFinishTime(timestamp(PUSHED.plusSeconds(90))).build();
    cloudBuild.add(LOCATION, List.of(queued, working, success));

    // When the watcher awaits it
    List<FinishedBuild> finished = awaitCommit(new BuildTrigger(PROJECT, List.of(MAIN)));

    // Then the build is returned with its log and times, and every poll was reported in order
    assertThat(finished).containsExactly(new FinishedBuild(MAIN, "b-1", "SUCCESS", logUrl("b-1"),
        PUSHED.plusSeconds(20), PUSHED.plusSeconds(90)));
    assertThat(reports).extracting(BuildWait::status).containsExactly("QUEUED", "WORKING", "SUCCESS");
    assertThat(reports).extracting(BuildWait::elapsed)
        .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(150));
    assertThat(reports).allSatisfy(wait -> {
      assertThat(wait.buildId()).isEqualTo("b-1");
      assertThat(wait.logUrl()).isEqualTo(logUrl("b-1"));
    });
    // And the listing asked for the trigger's builds since the push, on the global paths
    assertThat(cloudBuild.filters())
        .containsExactly("trigger_id=\"epoxy-images-main\" AND create_time>=\"2025-03-04T09:59:00Z\"");
    assertThat(cloudBuild.requests()).extracting(Request::path).containsExactly("/v1/projects/mlab-sandbox/builds",
        "/v1/projects/mlab-sandbox/builds/b-1", "/v1/projects/mlab-sandbox/builds/b-1");
  }

  @ParameterizedTest
  @EnumSource(value = Status.class, names = {"FAILURE", "INTERNAL_ERROR", "TIMEOUT", "CANCELLED", "EXPIRED"})
  void aBuildThatEndsBadlyFailsTheWaitWithItsLog(Status ending) {
    // Given the pushed commit's build, working, then ending with the given status
    Build working = build("b-1", MAIN, PUSHED.plusSeconds(5), Status.WORKING, commitSubstitutions(COMMIT));
    cloudBuild.add(LOCATION, List.of(working, working.toBuilder().setStatus(ending).setStatusDetail(DETAIL).build()));

    // When the watcher awaits it, Then the wait fails for good, naming the build, its status and its log
    assertThatThrownBy(() -> awaitCommit(new BuildTrigger(PROJECT, List.of(MAIN))))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(CloudBuildWatcher.BUILD_FAILED);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).isEqualTo("build b-1 of trigger epoxy-images-main in mlab-sandbox ended "
              + ending + " (" + DETAIL + "); log: " + logUrl("b-1"));
        });
    assertThat(reports).extracting(BuildWait::status).containsExactly("WORKING", ending.name());
  }

  @Test
  void aTagMatchesOnlyItsOwnBuildsAndTheNewestWinsAcrossPages() {
    // Given builds of another tag, of the same commit pushed as a branch, and two runs of the tag
    cloudBuild.pageSize(1);
    String tag = "v1.33.4-epoxy.1";
    cloudBuild.add(LOCATION, build("first-run", MAIN, PUSHED.plusSeconds(10), Status.FAILURE, tagSubstitutions(tag)));
    cloudBuild.add(LOCATION, build("re-run", MAIN, PUSHED.plusSeconds(200), Status.SUCCESS, tagSubstitutions(tag)));
    cloudBuild.add(LOCATION, build("other-tag", MAIN, PUSHED.plusSeconds(300), Status.WORKING,
        tagSubstitutions("v1.33.3-epoxy.1")));
    cloudBuild.add(LOCATION, build("branch", MAIN, PUSHED.plusSeconds(400), Status.WORKING,
        commitSubstitutions(COMMIT)));

    // When the watcher awaits the tag
    List<FinishedBuild> finished = watcher.await(new BuildTrigger(PROJECT, List.of(MAIN)),
        BuildRef.tag(tag, COMMIT), NOT_BEFORE, APPEAR, BUILD_TIMEOUT, PUSHED, reports::add);

    // Then the newest build of that tag is the one, found by following every page
    assertThat(finished).extracting(FinishedBuild::buildId).containsExactly("re-run");
    assertThat(cloudBuild.requests()).extracting(request -> request.query().get("pageToken"))
        .containsExactly("", "1", "2", "3");
  }

  @Test
  void buildsOfOtherCommitsAreIgnored() {
    // Given a newer build of another commit next to the pushed commit's build
    cloudBuild.add(LOCATION, build("other", MAIN, PUSHED.plusSeconds(60), Status.SUCCESS,
        commitSubstitutions("0000000000000000000000000000000000000000")));
    cloudBuild.add(LOCATION, build("mine", MAIN, PUSHED.plusSeconds(5), Status.QUEUED, commitSubstitutions(COMMIT)),
        Status.SUCCESS);

    // When the watcher awaits the commit
    List<FinishedBuild> finished = awaitCommit(new BuildTrigger(PROJECT, List.of(MAIN)));

    // Then only the pushed commit's build counts
    assertThat(finished).extracting(FinishedBuild::buildId).containsExactly("mine");
  }

  @Test
  void aBuildThatNeverAppearsFailsAfterTheAppearTimeout() {
    // Given only a build of another commit
    cloudBuild.add(LOCATION, build("other", MAIN, PUSHED.plusSeconds(60), Status.WORKING,
        commitSubstitutions("0000000000000000000000000000000000000000")));

    // When the watcher awaits the pushed commit, Then after the appear timeout it gives up for good
    assertThatThrownBy(() -> awaitCommit(new BuildTrigger(PROJECT, List.of(MAIN))))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(CloudBuildWatcher.BUILD_NOT_FOUND);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).startsWith("no build of commit " + COMMIT
              + " by trigger epoxy-images-main in mlab-sandbox appeared within 10m");
        });
    assertThat(clock.instant()).isEqualTo(PUSHED.plus(APPEAR));
    // And each search until then was reported
    assertThat(reports).hasSize(10).allSatisfy(wait -> {
      assertThat(wait.status()).isEqualTo(BuildWait.SEARCHING);
      assertThat(wait.buildId()).isNull();
      assertThat(wait.triggerId()).isEqualTo(MAIN);
    });
    assertThat(reports.get(9).elapsed()).isEqualTo(Duration.ofMinutes(9));
  }

  @Test
  void aBuildThatAppearsLateIsFollowedOnceListed() {
    // Given no build yet; the trigger starts it while the watcher searches
    Build late = build("late", MAIN, PUSHED.plusSeconds(150), Status.QUEUED, commitSubstitutions(COMMIT));
    Progress startsOnThirdSearch = wait -> {
      reports.add(wait);
      if (reports.size() == 3) {
        cloudBuild.add(LOCATION, late, Status.SUCCESS);
      }
    };

    // When the watcher awaits the commit
    List<FinishedBuild> finished = watcher.await(new BuildTrigger(PROJECT, List.of(MAIN)), BuildRef.commit(COMMIT),
        NOT_BEFORE, APPEAR, BUILD_TIMEOUT, PUSHED, startsOnThirdSearch);

    // Then it finds and follows the build
    assertThat(finished).extracting(FinishedBuild::buildId).containsExactly("late");
    assertThat(reports).extracting(BuildWait::status)
        .containsExactly(BuildWait.SEARCHING, BuildWait.SEARCHING, BuildWait.SEARCHING, "QUEUED", "SUCCESS");
  }

  @Test
  void aBuildStillWorkingPastTheBuildTimeoutFailsTheWait() {
    // Given a build that works forever
    cloudBuild.add(LOCATION, build("b-1", MAIN, PUSHED, Status.WORKING, commitSubstitutions(COMMIT)));

    // When the watcher awaits it with a 30-minute build timeout
    assertThatThrownBy(() -> watcher.await(new BuildTrigger(PROJECT, List.of(MAIN)), BuildRef.commit(COMMIT),
        NOT_BEFORE, APPEAR, Duration.ofMinutes(30), PUSHED, reports::add))
        // Then it gives up for good at 30 minutes, naming the build and its log
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(CloudBuildWatcher.BUILD_TIMEOUT);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).isEqualTo("build b-1 of trigger epoxy-images-main in mlab-sandbox is still"
              + " WORKING after 30m (the limit is 30m); log: " + logUrl("b-1"));
        });
    // And it heartbeat on every poll on the way
    assertThat(reports).hasSize(31).extracting(BuildWait::status).containsOnly("WORKING");
  }

  @Test
  void bothTriggersOfAPushAreAwaited() {
    // Given the push's builds by the main and the stage1 trigger
    cloudBuild.add(LOCATION, build("main-1", MAIN, PUSHED.plusSeconds(5), Status.QUEUED, commitSubstitutions(COMMIT)),
        Status.WORKING, Status.WORKING, Status.SUCCESS);
    cloudBuild.add(LOCATION, build("stage1-1", STAGE1, PUSHED.plusSeconds(6), Status.WORKING,
        commitSubstitutions(COMMIT)), Status.SUCCESS);

    // When the watcher awaits both triggers
    List<FinishedBuild> finished = awaitCommit(new BuildTrigger(PROJECT, List.of(MAIN, STAGE1)));

    // Then both builds are returned in trigger order, each found by its own trigger's filter
    assertThat(finished).extracting(FinishedBuild::triggerId, FinishedBuild::buildId)
        .containsExactly(tuple(MAIN, "main-1"),
            tuple(STAGE1, "stage1-1"));
    assertThat(cloudBuild.filters()).containsExactly(
        "trigger_id=\"epoxy-images-main\" AND create_time>=\"2025-03-04T09:59:00Z\"",
        "trigger_id=\"epoxy-images-stage1\" AND create_time>=\"2025-03-04T09:59:00Z\"");
    assertThat(reports).filteredOn(wait -> wait.triggerId().equals(STAGE1)).extracting(BuildWait::status)
        .containsExactly("WORKING", "SUCCESS");
  }

  @Test
  void aProgressCallbackThatThrowsStopsTheWait() {
    // Given a long build, and a heartbeat that learns of cancellation on its second call
    cloudBuild.add(LOCATION, build("b-1", MAIN, PUSHED.plusSeconds(5), Status.QUEUED, commitSubstitutions(COMMIT)),
        Status.WORKING, Status.WORKING, Status.SUCCESS);
    ActivityCanceledException canceled = new ActivityCanceledException();
    Progress heartbeat = wait -> {
      reports.add(wait);
      if (reports.size() == 2) {
        throw canceled;
      }
    };

    // When the watcher awaits it, Then the cancellation comes out unchanged and polling stops
    assertThatThrownBy(() -> watcher.await(new BuildTrigger(PROJECT, List.of(MAIN)), BuildRef.commit(COMMIT),
        NOT_BEFORE, APPEAR, BUILD_TIMEOUT, PUSHED, heartbeat)).isSameAs(canceled);
    assertThat(cloudBuild.requests()).hasSize(2);
  }

  @Test
  void aRegionalTriggerIsAddressedByItsLocationOverGrpc() throws IOException {
    // Given a regional trigger's build, served over gRPC, the transport used against Google
    String regional = "projects/mlab-oti/locations/us-east1";
    cloudBuild.add(regional, build("r-1", MAIN, PUSHED.plusSeconds(5), Status.WORKING, commitSubstitutions(COMMIT)),
        Status.SUCCESS);
    try (LocalCloudBuildGrpc grpc = new LocalCloudBuildGrpc(cloudBuild);
         CloudBuildWatcher overGrpc = watcher(CloudBuildClient.create(fast(grpcSettings(grpc.target()))))) {

      // When the watcher awaits the regional trigger
      List<FinishedBuild> finished = overGrpc.await(new BuildTrigger("mlab-oti", "us-east1", List.of(MAIN)),
          BuildRef.commit(COMMIT), NOT_BEFORE, APPEAR, BUILD_TIMEOUT, PUSHED, reports::add);

      // Then the build is found and followed under the trigger's location (ListBuilds parent, GetBuild name)
      assertThat(finished).extracting(FinishedBuild::buildId).containsExactly("r-1");
      assertThat(cloudBuild.requests()).extracting(Request::transport, Request::location).containsOnly(
          tuple("grpc", regional));
      assertThat(cloudBuild.requests()).hasSize(2);
    }
  }

  @Test
  void overHttpJsonARegionalRequestCarriesItsLocationOnlyInTheRoutingHeader() {
    // Given a regional trigger, When its running builds are listed over the HTTP/JSON transport
    watcher.running(new BuildTrigger("mlab-oti", "us-east1", List.of(MAIN)), NOT_BEFORE);

    // Then the client used the project path, not /locations/ (it ignores the API's additional
    // bindings), which is why production talks gRPC; this fails once the client learns them
    assertThat(cloudBuild.requests()).extracting(Request::path, Request::routing).containsExactly(
        tuple("/v1/projects/mlab-oti/builds", "location=us-east1"));
  }

  @Test
  void runningListsOnlyTheTriggersBuildsThatHaveNotEnded() {
    // Given the trigger's builds in every state, one from before the window, and another trigger's
    Instant since = PUSHED.minus(Duration.ofHours(6));
    cloudBuild.add(LOCATION, build("queued", MAIN, PUSHED.plusSeconds(50), Status.QUEUED, Map.of()));
    cloudBuild.add(LOCATION, build("working", MAIN, PUSHED.plusSeconds(40), Status.WORKING, Map.of()));
    cloudBuild.add(LOCATION, build("pending", MAIN, PUSHED.plusSeconds(30), Status.PENDING, Map.of()));
    cloudBuild.add(LOCATION, build("done", MAIN, PUSHED.plusSeconds(20), Status.SUCCESS, Map.of()));
    cloudBuild.add(LOCATION, build("failed", MAIN, PUSHED.plusSeconds(10), Status.FAILURE, Map.of()));
    cloudBuild.add(LOCATION, build("ancient", MAIN, since.minusSeconds(1), Status.WORKING, Map.of()));
    cloudBuild.add(LOCATION, build("other", "another-trigger", PUSHED, Status.WORKING, Map.of()));

    // When the running builds of the trigger are listed
    List<RunningBuild> running = watcher.running(new BuildTrigger(PROJECT, List.of(MAIN)), since);

    // Then only its unfinished builds in the window come back, newest first
    assertThat(running).containsExactly(
        new RunningBuild(MAIN, "queued", "QUEUED", PUSHED.plusSeconds(50), logUrl("queued")),
        new RunningBuild(MAIN, "working", "WORKING", PUSHED.plusSeconds(40), logUrl("working")),
        new RunningBuild(MAIN, "pending", "PENDING", PUSHED.plusSeconds(30), logUrl("pending")));
    assertThat(cloudBuild.filters())
        .containsExactly("trigger_id=\"epoxy-images-main\" AND create_time>=\"2025-03-04T04:00:00Z\"");
  }

  @Test
  void anOutageLongerThanTheClientsRetriesIsReportedAndSurvived() {
    // Given a build, and Cloud Build answering 503 to more attempts than the client makes for one call
    cloudBuild.add(LOCATION, build("b-1", MAIN, PUSHED.plusSeconds(5), Status.QUEUED, commitSubstitutions(COMMIT)),
        Status.WORKING, Status.SUCCESS);
    Progress outageAfterFirstPoll = wait -> {
      reports.add(wait);
      if (reports.size() == 1) {
        cloudBuild.failNext(3, 503);
      }
    };

    // When the watcher awaits it
    List<FinishedBuild> finished = watcher.await(new BuildTrigger(PROJECT, List.of(MAIN)), BuildRef.commit(COMMIT),
        NOT_BEFORE, APPEAR, BUILD_TIMEOUT, PUSHED, outageAfterFirstPoll);

    // Then the failed poll was reported with the build and the wait went on to the build's success
    assertThat(finished).extracting(FinishedBuild::buildId).containsExactly("b-1");
    assertThat(reports).extracting(BuildWait::status).hasSize(4)
        .satisfies(statuses -> assertThat(statuses.get(1)).startsWith(BuildWait.API_ERROR + "UNAVAILABLE"))
        .containsSubsequence("QUEUED", "WORKING", "SUCCESS");
    assertThat(reports.get(1).buildId()).isEqualTo("b-1");
  }

  @Test
  void aSingle503IsRetriedByTheClientItself() {
    // Given a build, and one 503 after the first poll
    cloudBuild.add(LOCATION, build("b-1", MAIN, PUSHED.plusSeconds(5), Status.QUEUED, commitSubstitutions(COMMIT)),
        Status.SUCCESS);
    Progress blipAfterFirstPoll = wait -> {
      reports.add(wait);
      if (reports.size() == 1) {
        cloudBuild.failNext(1, 503);
      }
    };

    // When the watcher awaits it
    watcher.await(new BuildTrigger(PROJECT, List.of(MAIN)), BuildRef.commit(COMMIT), NOT_BEFORE, APPEAR,
        BUILD_TIMEOUT, PUSHED, blipAfterFirstPoll);

    // Then the client's own retry hid it: the GetBuild went out twice within one poll
    assertThat(reports).extracting(BuildWait::status).containsExactly("QUEUED", "SUCCESS");
    assertThat(cloudBuild.requests()).extracting(Request::path).containsExactly("/v1/projects/mlab-sandbox/builds",
        "/v1/projects/mlab-sandbox/builds/b-1", "/v1/projects/mlab-sandbox/builds/b-1");
  }

  @Test
  void aDeniedProjectFailsForGoodNamingTheViewerRole() {
    // Given Cloud Build refusing the worker's account
    cloudBuild.failNext(1, 403);

    // When the watcher awaits a build, Then it fails for good, naming the project and the role to grant
    assertThatThrownBy(() -> awaitCommit(new BuildTrigger(PROJECT, List.of(MAIN))))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(CloudBuildWatcher.API_ERROR);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).contains("mlab-sandbox", "PERMISSION_DENIED",
              "roles/cloudbuild.builds.viewer");
        });
  }

  private List<FinishedBuild> awaitCommit(BuildTrigger trigger) {
    return watcher.await(trigger, BuildRef.commit(COMMIT), NOT_BEFORE, APPEAR, BUILD_TIMEOUT, PUSHED, reports::add);
  }

  private CloudBuildWatcher watcher(CloudBuildClient client) {
    return new CloudBuildWatcher(client, clock, POLL, clock::advance);
  }

  /** The production settings with the client's retry backoff cut to a millisecond, so retries cost no time. */
  private static CloudBuildSettings fast(CloudBuildSettings.Builder settings) throws IOException {
    RetrySettings fast = settings.getBuildSettings().getRetrySettings().toBuilder()
        .setInitialRetryDelayDuration(Duration.ofMillis(1))
        .setMaxRetryDelayDuration(Duration.ofMillis(1))
        .build();
    settings.getBuildSettings().setRetrySettings(fast);
    settings.listBuildsSettings().setRetrySettings(fast);
    return settings.build();
  }

  /** The production (gRPC) settings, pointed at a plaintext local server without credentials. */
  private static CloudBuildSettings.Builder grpcSettings(String target) throws IOException {
    return CloudBuildWatcher.settings(null).toBuilder()
        .setEndpoint(target)
        .setCredentialsProvider(NoCredentialsProvider.create())
        .setTransportChannelProvider(InstantiatingGrpcChannelProvider.newBuilder()
            .setEndpoint(target)
            .setChannelConfigurator(channel -> channel.usePlaintext())
            .build());
  }

  private static Build build(String id, String trigger, Instant created, Status status,
      Map<String, String> substitutions) {
    return Build.newBuilder()
        .setId(id)
        .setProjectId(PROJECT)
        .setBuildTriggerId(trigger)
        .setStatus(status)
        .setCreateTime(timestamp(created))
        .setLogUrl(logUrl(id))
        .putAllSubstitutions(substitutions)
        .build();
  }

  private static Map<String, String> commitSubstitutions(String commit) {
    return Map.of("COMMIT_SHA", commit, "SHORT_SHA", commit.substring(0, 7), "BRANCH_NAME", "sandbox-k8s-1.33",
        "REPO_NAME", "epoxy-images");
  }

  private static Map<String, String> tagSubstitutions(String tag) {
    return Map.of("COMMIT_SHA", COMMIT, "SHORT_SHA", COMMIT.substring(0, 7), "TAG_NAME", tag,
        "REPO_NAME", "epoxy-images");
  }

  private static String logUrl(String id) {
    return "https://console.cloud.google.com/cloud-build/builds/" + id + "?project=123456789";
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
