package org.fleetupgrade.images.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.eclipse.jgit.revwalk.RevCommit;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.ImageRequest;
import org.fleetupgrade.images.VersionChange;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JGit against bare repositories in a temp folder: each stage's ref, conflicts, crashes, re-runs. */
class EpoxyImagesRepositoryTest {

  static final TargetVersions TARGET = TargetVersions.parse("v1.35.1", "v1.9.1", "v1.35.0");
  static final String UPGRADE = "fleet-upgrade-v1.35.1";
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

  @TempDir
  Path dir;

  Upstream upstream;

  @BeforeEach
  void upstream() throws Exception {
    upstream = new Upstream(dir.resolve("remote"));
  }

  private EpoxyImagesRepository worker(String cache) {
    return new EpoxyImagesRepository(new RepositorySettings(upstream.url(), null, dir.resolve(cache), "config.sh", "main",
        RepositorySettings.DEFAULT_BRANCH_PATTERN, "fleet-upgrade", "fleet-upgrade@example.org", Duration.ofSeconds(30)),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static ImageRequest request(String stage, String base, String tag) {
    return new ImageRequest(stage, UPGRADE, TARGET, base, tag);
  }

  @Test
  void sandboxPushesABranchWithOneCommitChangingOnlyTheThreeValues() throws Exception {
    // Given epoxy-images at main
    RevCommit main = upstream.commitAt("refs/heads/main");

    // When sandbox publishes
    ImageRelease release = worker("cache").publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    // Then sandbox-v1.35.1 holds one new commit on main, changing exactly the three values
    assertThat(release.ref()).isEqualTo("sandbox-v1.35.1");
    assertThat(release.reused()).isFalse();
    assertThat(release.imagesVersion()).isEqualTo("latest");
    assertThat(release.changes()).containsExactly(new VersionChange("K8S_VERSION", "v1.34.4", "v1.35.1"),
        new VersionChange("K8S_CNI_VERSION", "v1.9.0", "v1.9.1"), new VersionChange("K8S_CRICTL_VERSION", "v1.34.0", "v1.35.0"));
    assertThat(upstream.ref("refs/heads/sandbox-v1.35.1").name()).isEqualTo(release.commit());
    assertThat(upstream.commitsBetween("refs/heads/main", "refs/heads/sandbox-v1.35.1")).hasSize(1);
    RevCommit commit = upstream.commitAt("refs/heads/sandbox-v1.35.1");
    assertThat(commit.getParent(0)).isEqualTo(main);
    assertThat(commit.getFullMessage()).contains("Kubernetes v1.35.1 for " + UPGRADE,
        "K8S_VERSION v1.34.4 -> v1.35.1", "K8S_CNI_VERSION v1.9.0 -> v1.9.1", "K8S_CRICTL_VERSION v1.34.0 -> v1.35.0");
    assertThat(commit.getAuthorIdent().getEmailAddress()).isEqualTo("fleet-upgrade@example.org");
    assertThat(upstream.file("refs/heads/sandbox-v1.35.1", "config.sh")).isEqualTo(Upstream.CONFIG
        .replace("K8S_VERSION=v1.34.4", "K8S_VERSION=v1.35.1").replace("K8S_CNI_VERSION=v1.9.0", "K8S_CNI_VERSION=v1.9.1")
        .replace("K8S_CRICTL_VERSION=v1.34.0", "K8S_CRICTL_VERSION=v1.35.0"));
    assertThat(upstream.file("refs/heads/sandbox-v1.35.1", "README.md")).isEqualTo("images\n");
    assertThat(upstream.ref("refs/heads/main")).as("main untouched").isEqualTo(main);
  }

  @Test
  void aReRunReusesThePushedBranch() throws Exception {
    EpoxyImagesRepository worker = worker("cache");
    ImageRelease first = worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    ImageRelease again = worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    assertThat(again.reused()).isTrue();
    assertThat(again.commit()).isEqualTo(first.commit());
    assertThat(again.changes()).as("what the branch carries over main").hasSize(3);
    assertThat(upstream.commitsBetween("refs/heads/main", "refs/heads/sandbox-v1.35.1")).hasSize(1);
  }

  @Test
  void aCrashBetweenCommitAndPushPushesOneCommitOnTheReRun() throws Exception {
    // Given a worker that dies right after writing the commit into its cache
    EpoxyImagesRepository dying = worker("cache");
    dying.onCheckpoint(point -> {
      if (point == EpoxyImagesRepository.Point.COMMITTED) {
        throw new IllegalStateException("worker killed");
      }
    });
    assertThatThrownBy(() -> dying.publish(RefPolicy.BRANCH, request("sandbox", null, null), false))
        .hasMessageContaining("worker killed");
    assertThat(upstream.ref("refs/heads/sandbox-v1.35.1")).as("nothing pushed").isNull();

    // When the activity runs again on the same cache
    ImageRelease release = worker("cache").publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    // Then one commit was pushed
    assertThat(release.reused()).isFalse();
    assertThat(upstream.commitsBetween("refs/heads/main", "refs/heads/sandbox-v1.35.1")).hasSize(1);
  }

  @Test
  void aCrashBetweenPushAndRecordIsRecoveredByAnotherWorker() throws Exception {
    // Given a worker that dies right after the push, before Temporal records the result
    EpoxyImagesRepository dying = worker("cache-1");
    dying.onCheckpoint(point -> {
      if (point == EpoxyImagesRepository.Point.PUSHED) {
        throw new IllegalStateException("worker killed");
      }
    });
    assertThatThrownBy(() -> dying.publish(RefPolicy.BRANCH, request("sandbox", null, null), false));
    String pushed = upstream.ref("refs/heads/sandbox-v1.35.1").name();

    // When another worker, with an empty cache, runs the activity again
    ImageRelease release = worker("cache-2").publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    // Then it finds the pushed commit: no second one
    assertThat(release.reused()).isTrue();
    assertThat(release.commit()).isEqualTo(pushed);
    assertThat(upstream.commitsBetween("refs/heads/main", "refs/heads/sandbox-v1.35.1")).hasSize(1);
  }

  @Test
  void stagingFastForwardsMainToTheCommitSandboxBuilt() throws Exception {
    EpoxyImagesRepository worker = worker("cache");
    ImageRelease sandbox = worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    ImageRelease staging = worker.publish(RefPolicy.MAIN, request("staging", sandbox.commit(), null), false);

    assertThat(staging.ref()).isEqualTo("main");
    assertThat(staging.commit()).isEqualTo(sandbox.commit());
    assertThat(staging.reused()).isFalse();
    assertThat(staging.changes()).hasSize(3);
    assertThat(upstream.ref("refs/heads/main").name()).isEqualTo(sandbox.commit());
    // and a re-run after a crash finds main already there
    ImageRelease again = worker("other-cache").publish(RefPolicy.MAIN, request("staging", sandbox.commit(), null), false);
    assertThat(again.reused()).isTrue();
    assertThat(again.commit()).isEqualTo(sandbox.commit());
  }

  @Test
  void stagingRefusesAMainThatMovedNamingTheCommitsInTheWay() throws Exception {
    // Given sandbox built a commit, and then someone pushed to main
    EpoxyImagesRepository worker = worker("cache");
    ImageRelease sandbox = worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false);
    RevCommit theirs = upstream.commit("docs/notes.md", "a note\n", "Document the stage1 build");

    // When staging publishes, Then it neither merges nor forces: it names what is in the way
    assertThatThrownBy(() -> worker.publish(RefPolicy.MAIN, request("staging", sandbox.commit(), null), false))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(EpoxyImagesRepository.REF_CONFLICT);
        })
        .hasMessageContaining("main moved")
        .hasMessageContaining(theirs.getId().name().substring(0, 12) + " Document the stage1 build (someone)");
    assertThat(upstream.ref("refs/heads/main")).isEqualTo(theirs.getId());
  }

  @Test
  void stagingWithoutASandboxCommitsOnMain() throws Exception {
    RevCommit main = upstream.commitAt("refs/heads/main");

    ImageRelease staging = worker("cache").publish(RefPolicy.MAIN, request("staging", null, null), false);

    assertThat(upstream.commitsBetween(main.name(), "refs/heads/main")).hasSize(1);
    assertThat(staging.commit()).isEqualTo(upstream.ref("refs/heads/main").name());
    assertThat(worker("cache").publish(RefPolicy.MAIN, request("staging", null, null), false).reused()).isTrue();
  }

  @Test
  void productionTagsTheSoakedCommitWithTheNextPatchRelease() throws Exception {
    // Given releases v2.4.9 and v2.4.30 (numbered, not sorted as text) and staging's commit on main
    RevCommit old = upstream.commitAt("refs/heads/main");
    upstream.tag("v2.4.9", old);
    upstream.tag("v2.4.30", old);
    upstream.tag("not-a-release", old);
    EpoxyImagesRepository worker = worker("cache");
    ImageRelease staging = worker.publish(RefPolicy.MAIN, request("staging", null, null), false);

    // When production publishes on staging's commit
    ImageRelease production = worker.publish(RefPolicy.TAG, request("production", staging.commit(), null), false);

    // Then an annotated v2.4.31 points at exactly that commit, and production boots that release
    assertThat(production.ref()).isEqualTo("v2.4.31");
    assertThat(production.imagesVersion()).isEqualTo("v2.4.31");
    assertThat(production.commit()).isEqualTo(staging.commit());
    assertThat(production.changes()).as("since the previous release").hasSize(3);
    Upstream.Tag tag = upstream.tagOf("v2.4.31");
    assertThat(tag.commit().name()).isEqualTo(staging.commit());
    assertThat(tag.message()).contains("Kubernetes v1.35.1", "CNI plugins v1.9.1", "crictl v1.35.0", UPGRADE);
    assertThat(tag.tagger()).isEqualTo("fleet-upgrade");

    // And a re-run (after a crash between push and record) reuses the tag: no v2.4.32
    ImageRelease again = worker("other-cache").publish(RefPolicy.TAG, request("production", staging.commit(), null), false);
    assertThat(again.reused()).isTrue();
    assertThat(again.ref()).isEqualTo("v2.4.31");
    assertThat(upstream.tags()).containsExactly("not-a-release", "v2.4.30", "v2.4.31", "v2.4.9");
  }

  @Test
  void productionTakesTheOperatorsTagAndRefusesOneTakenByAnotherCommit() throws Exception {
    RevCommit old = upstream.commitAt("refs/heads/main");
    upstream.tag("v2.4.30", old);
    EpoxyImagesRepository worker = worker("cache");
    ImageRelease staging = worker.publish(RefPolicy.MAIN, request("staging", null, null), false);

    assertThatThrownBy(() -> worker.publish(RefPolicy.TAG, request("production", staging.commit(), "v2.4.30"), false))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("the tag v2.4.30 already exists on " + old.name().substring(0, 12));

    ImageRelease production = worker.publish(RefPolicy.TAG, request("production", staging.commit(), "v2.5.0"), false);
    assertThat(production.ref()).isEqualTo("v2.5.0");
    assertThat(upstream.tagOf("v2.5.0").commit().name()).isEqualTo(staging.commit());
  }

  @Test
  void productionRefusesACommitWithoutTheTargetVersions() throws Exception {
    upstream.tag("v2.4.30", upstream.commitAt("refs/heads/main"));

    assertThatThrownBy(() -> worker("cache").publish(RefPolicy.TAG, request("production", null, null), false))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue())
        .hasMessageContaining("no earlier stage built images in this upgrade, and main")
        .hasMessageContaining("K8S_VERSION=v1.34.4 (want v1.35.1)");
    assertThat(upstream.tags()).containsExactly("v2.4.30");
  }

  @Test
  void aMalformedConfigFailsBeforeAnythingIsPushed() throws Exception {
    upstream.commit("config.sh", Upstream.CONFIG + "export K8S_VERSION=v1.33.0\n", "Set it twice");

    assertThatThrownBy(() -> worker("cache").publish(RefPolicy.BRANCH, request("sandbox", null, null), false))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo(ConfigFile.MALFORMED))
        .hasMessageContaining("config.sh at ")
        .hasMessageContaining("`export K8S_VERSION=` is set twice (lines 8 and 17)");
    assertThat(upstream.ref("refs/heads/sandbox-v1.35.1")).isNull();
  }

  @Test
  void olderVersionsThanTheRepositoryBuildsAreRefused() throws Exception {
    TargetVersions older = TargetVersions.parse("v1.34.2", "v1.9.0", "v1.34.0");

    assertThatThrownBy(() -> worker("cache").publish(RefPolicy.BRANCH,
        new ImageRequest("sandbox", UPGRADE, older, null, null), false))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue())
        .hasMessageContaining("already has K8S_VERSION=v1.34.4, newer than the target v1.34.2: not building older images");
    assertThat(upstream.ref("refs/heads/sandbox-v1.34.2")).isNull();
  }

  @Test
  void anEarlierBranchOfOursWithOtherVersionsMovesOnByOneCommit() throws Exception {
    // Given our branch from an earlier try with another CNI
    EpoxyImagesRepository worker = worker("cache");
    ImageRelease earlier = worker.publish(RefPolicy.BRANCH, new ImageRequest("sandbox", UPGRADE,
        TargetVersions.parse("v1.35.1", "v1.9.0", "v1.35.0"), null, null), false);

    ImageRelease now = worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    assertThat(now.reused()).isFalse();
    assertThat(upstream.commitAt("refs/heads/sandbox-v1.35.1").getParent(0).name()).isEqualTo(earlier.commit());
    assertThat(now.changes()).containsExactly(new VersionChange("K8S_CNI_VERSION", "v1.9.0", "v1.9.1"));
  }

  @Test
  void aBranchWithSomeoneElsesCommitIsNotBuilt() throws Exception {
    // Given someone pushed a commit of theirs onto the branch fleet-upgrade would use
    EpoxyImagesRepository worker = worker("cache");
    worker.publish(RefPolicy.BRANCH, new ImageRequest("sandbox", UPGRADE,
        TargetVersions.parse("v1.35.1", "v1.9.0", "v1.35.0"), null, null), false);
    RevCommit theirs = upstream.commitOn("sandbox-v1.35.1", "stage1/extra.sh", "echo\n", "Try a stage1 tweak");

    assertThatThrownBy(() -> worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false))
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.getType())
            .isEqualTo(EpoxyImagesRepository.REF_CONFLICT))
        .hasMessageContaining("the branch sandbox-v1.35.1 holds commits not written by fleet-upgrade ("
            + theirs.name().substring(0, 12) + " Try a stage1 tweak (someone))");
  }

  @Test
  void aBranchMadeFromAnOlderMainIsNotBuilt() throws Exception {
    EpoxyImagesRepository worker = worker("cache");
    worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false);
    upstream.commit("docs/notes.md", "a note\n", "Notes");

    assertThatThrownBy(() -> worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), false))
        .hasMessageContaining("the branch sandbox-v1.35.1 exists at ")
        .hasMessageContaining("but is not on main");
  }

  @Test
  void aCrashAfterTheFastForwardOrTheTagIsRecoveredWithoutPushingAgain() throws Exception {
    upstream.tag("v2.4.30", upstream.commitAt("refs/heads/main"));
    ImageRelease sandbox = worker("cache").publish(RefPolicy.BRANCH, request("sandbox", null, null), false);
    EpoxyImagesRepository dying = worker("cache");
    dying.onCheckpoint(point -> {
      if (point == EpoxyImagesRepository.Point.PUSHED) {
        throw new IllegalStateException("worker killed");
      }
    });
    assertThatThrownBy(() -> dying.publish(RefPolicy.MAIN, request("staging", sandbox.commit(), null), false));
    assertThatThrownBy(() -> dying.publish(RefPolicy.TAG, request("production", sandbox.commit(), null), false));

    ImageRelease staging = worker("cache").publish(RefPolicy.MAIN, request("staging", sandbox.commit(), null), false);
    ImageRelease production = worker("cache").publish(RefPolicy.TAG, request("production", sandbox.commit(), null), false);

    assertThat(staging.reused()).isTrue();
    assertThat(production.reused()).isTrue();
    assertThat(production.ref()).isEqualTo("v2.4.31");
    assertThat(upstream.tags()).containsExactly("v2.4.30", "v2.4.31");
  }

  @Test
  void productionReleasesOnlyACommitOnMain() throws Exception {
    upstream.tag("v2.4.30", upstream.commitAt("refs/heads/main"));
    ImageRelease sandbox = worker("cache").publish(RefPolicy.BRANCH, request("sandbox", null, null), false);

    assertThatThrownBy(() -> worker("cache").publish(RefPolicy.TAG, request("production", sandbox.commit(), null), false))
        .hasMessageContaining("to release is not on main");
    assertThat(upstream.tags()).containsExactly("v2.4.30");
  }

  @Test
  void aDryRunPushesNothing() throws Exception {
    upstream.tag("v2.4.30", upstream.commitAt("refs/heads/main"));
    EpoxyImagesRepository worker = worker("cache");

    ImageRelease branch = worker.publish(RefPolicy.BRANCH, request("sandbox", null, null), true);

    assertThat(branch.changes()).hasSize(3);
    assertThat(upstream.ref("refs/heads/sandbox-v1.35.1")).isNull();
    assertThat(upstream.tags()).containsExactly("v2.4.30");
  }

  @Test
  void aMissingMainBranchIsNamed() {
    EpoxyImagesRepository worker = new EpoxyImagesRepository(new RepositorySettings(upstream.url(), null,
        dir.resolve("cache"), "config.sh", "master", RepositorySettings.DEFAULT_BRANCH_PATTERN, "fleet-upgrade",
        "fleet-upgrade@example.org", Duration.ofSeconds(30)), Clock.systemUTC());

    assertThatThrownBy(() -> worker.publish(RefPolicy.MAIN, request("staging", null, null), false))
        .hasMessageContaining("has no branch 'master' (images.mainBranch): its branches are main");
  }
}
