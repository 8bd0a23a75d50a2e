package org.fleetupgrade.changelog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The changelog review against a local HTTP server serving files in the real formats. */
class HttpChangelogActivitiesTest {

  private HttpServer server;
  private final Map<String, String> files = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  /** Paths whose first request is held past the client's timeout. */
  private final Map<String, CountDownLatch> slowOnce = new ConcurrentHashMap<>();
  private HttpChangelogActivities reviewer;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      int n = requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      CountDownLatch hold = slowOnce.get(path);
      if (hold != null && n == 1) {
        try {
          hold.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String body = files.get(path);
      byte[] bytes = (body == null ? "404: Not Found" : body).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      } catch (IOException ignored) {
        // the client gave up on a held request
      }
    });
    server.start();
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    files.put("/CHANGELOG/CHANGELOG-1.31.md", ChangelogParserTest.fixture("CHANGELOG-1.31.md"));
    files.put("/release/stable.txt", "v1.31.3\n");
    files.put("/release/stable-1.30.txt", "v1.30.14\n");
    files.put("/release/stable-1.29.txt", "v1.29.15\n");
    reviewer = new HttpChangelogActivities(
        new ChangelogSources(base.resolve("/CHANGELOG"), base.resolve("/release")),
        new TextFetcher(Duration.ofMillis(500), 3, Duration.ofMillis(10)));
  }

  @AfterEach
  void stop() {
    slowOnce.values().forEach(CountDownLatch::countDown);
    server.stop(0);
  }

  private static ReviewRequest request(String target, String... current) {
    return new ReviewRequest(TargetVersions.parse(target, "v1.6.2", "v1.31.1"),
        java.util.Arrays.stream(current).map(ReleaseVersion::parse).toList(), false);
  }

  private static List<String> texts(List<ReleaseNote> notes) {
    return notes.stream().map(n -> n.release() + ": " + n.text().lines().findFirst().orElse("")).toList();
  }

  @Test
  void aMinorUpgradeReadsTheZeroReleaseAndEveryPatchUpToTheTarget() {
    ChangelogReview review = reviewer.review(request("v1.31.3", "v1.30.5", "v1.30.7"));

    assertThat(review.current()).isEqualTo(ReleaseVersion.parse("v1.30.5"));
    assertThat(review.path()).extracting(Object::toString).containsExactly("v1.30.5", "v1.31.3");
    assertThat(texts(review.urgentNotes())).containsExactly(
        "v1.31.3: Kubelet: the `--cloud-provider` flag default changed; nodes that relied on the old default must set"
            + " it explicitly before upgrading. ([#128001](https://github.com/kubernetes/kubernetes/pull/128001),"
            + " [@someone](https://github.com/someone)) [SIG Node]",
        "v1.31.0: Added support to the scheduler to start using QueueingHint registered for Pod/Updated event.",
        "v1.31.0: Kubelet flag `--keep-terminated-pod-volumes` was removed.  This flag was deprecated in 2017."
            + " ([#122082](https://github.com/kubernetes/kubernetes/pull/122082), [@carlory](https://github.com/carlory))"
            + " [SIG Apps, Node, Storage and Testing]",
        "v1.31.0: Kubeadm: the `kubeadm upgrade` commands now require the `--certificate-renewal` flag to be explicit"
            + " on hosts with external CAs.");
    assertThat(review.urgentNotes().get(1).text()).contains("Action required for custom scheduler plugin developers:");
    assertThat(texts(review.deprecations())).containsExactly(
        "v1.31.0: Kube-scheduler deprecated all non-csi volumelimit plugins and removed those from defaults plugins.",
        "v1.31.0: Kubeadm: deprecated the kubeadm `RootlessControlPlane` feature gate. ([#124997](https://github.com/"
            + "kubernetes/kubernetes/pull/124997), [@neolit123](https://github.com/neolit123)) [SIG Cluster Lifecycle]");
    assertThat(review.securityNotes()).extracting(n -> n.release() + ": " + n.text()).containsExactly(
        "v1.31.2: CVE-2024-9486: VM images built with Image Builder use default credentials",
        "v1.31.2: CVE-2024-9594: VM images built with Image Builder with some providers use default credentials during builds");
    assertThat(review.kubeadmItems()).extracting(ReleaseNote::release)
        .containsExactly("v1.31.3", "v1.31.2", "v1.31.0", "v1.31.0");
    assertThat(review.needsAttention()).isTrue();
    assertThat(review.latestStable()).isEqualTo(ReleaseVersion.parse("v1.31.3"));
  }

  @Test
  void aPatchUpgradeReadsOnlyThePatchesAfterTheCurrentVersion() {
    ChangelogReview review = reviewer.review(request("v1.31.2", "v1.31.1"));

    assertThat(review.urgentNotes()).isEmpty();
    assertThat(review.deprecations()).isEmpty();
    assertThat(review.securityNotes()).hasSize(2);
    assertThat(review.kubeadmItems()).extracting(ReleaseNote::release).containsExactly("v1.31.2");
    assertThat(review.needsAttention()).isFalse();
  }

  @Test
  void preReleasesAreIgnoredUnlessTheTargetIsOne() {
    ChangelogReview release = reviewer.review(request("v1.31.0", "v1.30.5"));
    assertThat(release.urgentNotes()).noneMatch(n -> n.text().contains("release-candidate-only"));
    assertThat(release.kubeadmItems()).noneMatch(n -> n.text().contains("rc-only"));

    ChangelogReview rc = reviewer.review(new ReviewRequest(TargetVersions.parse("v1.31.0-rc.1", "v1.6.2", "v1.31.1"),
        List.of(ReleaseVersion.parse("v1.30.5")), true));
    assertThat(rc.urgentNotes()).extracting(ReleaseNote::release).containsExactly("v1.31.0-rc.1");
    assertThat(rc.kubeadmItems()).extracting(ReleaseNote::release).containsExactly("v1.31.0-rc.1");
    assertThat(rc.warnings()).contains("kubernetes v1.31.0-rc.1 is a pre-release");
  }

  @Test
  void moreThanOneMinorAheadIsRejectedShowingThePathThroughTheLatestPatches() {
    assertThatThrownBy(() -> reviewer.review(request("v1.31.3", "v1.29.4")))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ChangelogActivities.PATH_REJECTED);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).isEqualTo("v1.29.4 -> v1.31.3 skips minor 1.30: kubeadm upgrades one minor"
              + " at a time; upgrade to the latest 1.30.x first; the path is v1.29.4 -> v1.30.14 -> v1.31.3, one upgrade"
              + " per step");
        });
  }

  @Test
  void aTargetNewerThanStableNeedsAllowPrereleaseAndStalenessIsAWarning() {
    files.put("/release/stable.txt", "v1.31.2\n");
    assertThatThrownBy(() -> reviewer.review(request("v1.31.3", "v1.30.5")))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("v1.31.3 is newer than the latest stable release v1.31.2 (stable.txt)");

    files.put("/release/stable.txt", "v1.34.0\n");
    assertThat(reviewer.review(request("v1.31.3", "v1.30.5")).warnings())
        .contains("after this upgrade the fleet is still 3 minors behind the latest stable v1.34.0 (more than 2):"
            + " plan the next upgrade soon");
  }

  @Test
  void crictlSkewIsAWarningAndAPreReleaseCniIsRejected() {
    ChangelogReview review = reviewer.review(new ReviewRequest(TargetVersions.parse("v1.31.2", "v1.6.2", "v1.30.0"),
        List.of(ReleaseVersion.parse("v1.31.1")), false));
    assertThat(review.warnings()).containsExactly(
        "crictl v1.30.0 is not on kubernetes' minor 1.31 (cri-tools releases track Kubernetes minors)");
    assertThat(review.needsAttention()).isTrue();

    assertThatThrownBy(() -> reviewer.review(new ReviewRequest(TargetVersions.parse("v1.31.2", "v1.7.0-rc.1", "v1.31.1"),
        List.of(), false))).hasMessageContaining("cni v1.7.0-rc.1 is a pre-release: CNI plugins must be a release version");
  }

  @Test
  void anUnpublishedMinorIsAClearNonRetryableErrorNamingTheUrl() {
    files.put("/release/stable.txt", "v1.32.0\n");
    assertThatThrownBy(() -> reviewer.review(request("v1.32.0", "v1.31.3")))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.getType()).isEqualTo(ChangelogActivities.NOT_PUBLISHED);
          assertThat(e.isNonRetryable()).isTrue();
          assertThat(e.getOriginalMessage()).matches("http://127\\.0\\.0\\.1:\\d+/CHANGELOG/CHANGELOG-1\\.32\\.md: 404 Not Found: not published \\(yet\\)\\?");
        });
    assertThat(requests.get("/CHANGELOG/CHANGELOG-1.32.md").get()).as("a 404 is not retried").isEqualTo(1);
  }

  @Test
  void aTargetMissingFromThePublishedChangelogIsNotPublished() {
    files.put("/release/stable.txt", "v1.31.9\n");
    assertThatThrownBy(() -> reviewer.review(request("v1.31.9", "v1.31.1")))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> assertThat(e.getType()).isEqualTo(ChangelogActivities.NOT_PUBLISHED))
        .hasMessageContaining("CHANGELOG-1.31.md#v1319");
  }

  @Test
  void aTimeoutIsRetried() {
    slowOnce.put("/CHANGELOG/CHANGELOG-1.31.md", new CountDownLatch(1));

    ChangelogReview review = reviewer.review(request("v1.31.3", "v1.31.2"));

    assertThat(review.urgentNotes()).hasSize(1);
    assertThat(requests.get("/CHANGELOG/CHANGELOG-1.31.md").get()).isEqualTo(2);
  }

  @Test
  void aServerThatNeverAnswersFailsRetryablyAfterTheAttempts() {
    server.stop(0);
    assertThatThrownBy(() -> reviewer.review(request("v1.31.3", "v1.31.2")))
        .isInstanceOfSatisfying(ApplicationFailure.class, e -> {
          assertThat(e.isNonRetryable()).isFalse();
          assertThat(e.getOriginalMessage()).startsWith("cannot read the changelog: http://127.0.0.1:")
              .contains("stable.txt").endsWith("(after 3 attempts)");
        });
  }

  @Test
  void notesAreBounded() {
    StringBuilder many = new StringBuilder("<!-- END MUNGE: GENERATED_TOC -->\n# v1.31.3\n\n## Urgent Upgrade Notes\n\n");
    for (int i = 0; i < 60; i++) {
      many.append("- note ").append(i).append(' ').append("x".repeat(3000)).append('\n');
    }
    files.put("/CHANGELOG/CHANGELOG-1.31.md", many.toString());

    ChangelogReview review = reviewer.review(request("v1.31.3", "v1.31.2"));

    assertThat(review.urgentNotes()).hasSize(ChangelogReview.MAX_NOTES)
        .allSatisfy(n -> assertThat(n.text().length()).isLessThanOrEqualTo(ChangelogReview.MAX_NOTE_CHARS + 4));
    assertThat(review.omitted()).isEqualTo(20);
  }
}
