package org.fleetupgrade.reboot.kured;

import org.fleetupgrade.images.cloudbuild.TestClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.FOUR_HOURS_NS;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.KEY;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.MLAB_ARGS;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.NAME;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.NAMESPACE;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.multiLock;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.nodeLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.fleetupgrade.reboot.kured.LockOutcome.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against fabric8's mock API server in CRUD mode (it enforces resourceVersion on updates, as the API
 * server does). One server for the class, emptied before each test: @EnableKubernetesMockClient would
 * start a new server and client before every test even when the fields are static (fabric8 8.0.0).
 */
class KuredLockTest {

  static final String US = "fleet-upgrade/fleet-upgrade-v1.33.4/staging";
  static final String NODE = "mlab1-lga03.mlab-oti.measurement-lab.org";
  static final String OTHER_NODE = "mlab2-lga03.mlab-oti.measurement-lab.org";
  /** When a node took the lock, as Go writes it (nanoseconds). */
  static final String NODE_CREATED = "2025-06-02T10:00:00.123456789Z";
  static final Instant NODE_CREATED_AT = Instant.parse(NODE_CREATED);
  static final Instant T0 = Instant.parse("2025-06-02T12:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();

  static KubernetesMockServer server;
  static KubernetesClient client;
  final TestClock clock = new TestClock(T0);
  KuredLock lock;

  @BeforeAll
  static void startServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
    server.init();
    client = server.createClient();
  }

  @AfterAll
  static void stopServer() {
    client.close();
    server.destroy();
  }

  @BeforeEach
  void setUp() {
    server.reset();
    lock = new KuredLock(client, KuredLockSettings.DEFAULT, clock);
  }

  @Test
  void aFreeLockBecomesOursInKuredsSingleFormat() throws Exception {
    // Given kured's DaemonSet as M-Lab runs it, with no lock on it
    kured(Map.of(), MLAB_ARGS);

    // When we acquire the lock
    LockOutcome outcome = lock.acquire(US);

    // Then it is ours, written as kured's LockAnnotationValue: our id, created = now, TTL in nanoseconds
    assertThat(outcome).isEqualTo(new LockOutcome(Kind.ACQUIRED, null));
    assertThat(outcome.holding()).isTrue();
    JsonNode value = JSON.readTree(annotation());
    assertThat(fieldNames(value)).containsExactly("nodeID", "metadata", "created", "TTL");
    assertThat(value.get("nodeID").textValue()).isEqualTo(US);
    assertThat(value.get("metadata").get("unschedulable").booleanValue()).isFalse();
    assertThat(Instant.parse(value.get("created").textValue())).isEqualTo(T0);
    assertThat(value.get("TTL").isIntegralNumber()).isTrue();
    assertThat(value.get("TTL").longValue()).isEqualTo(Duration.ofMinutes(30).toNanos());
    assertThat(lock.holder()).contains(new LockHolder(US, T0, Duration.ofMinutes(30), false));
    // and the DaemonSet's other annotations are untouched
    assertThat(daemonSet().getMetadata().getAnnotations()).containsEntry("deprecated.daemonset.template.generation", "3");
  }

  @Test
  void aNodesLiveLockIsWaitedForAndNothingIsWritten() {
    // Given kured rebooting a node: its lock, 4h TTL, one second short of expiring
    kured(Map.of(KEY, nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS)), MLAB_ARGS);
    clock.set(NODE_CREATED_AT.plus(Duration.ofHours(4)).minusSeconds(1));
    String before = resourceVersion();

    // When we try to acquire it
    LockOutcome outcome = lock.acquire(US);

    // Then the node holds it, and the DaemonSet was not written
    assertThat(outcome.kind()).isEqualTo(Kind.HELD);
    assertThat(outcome.holding()).isFalse();
    assertThat(outcome.other()).isEqualTo(new LockHolder(NODE, NODE_CREATED_AT, Duration.ofHours(4), false));
    assertThat(resourceVersion()).isEqualTo(before);
    assertThat(annotation()).isEqualTo(nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS));
  }

  @Test
  void aNodesExpiredLockIsTakenOver() throws Exception {
    // Given a node's lock whose TTL has just run out (kured: expired once now - created >= TTL)
    kured(Map.of(KEY, nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS)), MLAB_ARGS);
    Instant expiry = NODE_CREATED_AT.plus(Duration.ofHours(4));
    clock.set(expiry);

    // When we acquire it
    LockOutcome outcome = lock.acquire(US);

    // Then we replaced it, naming the old holder, and it is ours
    assertThat(outcome).isEqualTo(new LockOutcome(Kind.TAKEN_OVER,
        new LockHolder(NODE, NODE_CREATED_AT, Duration.ofHours(4), true)));
    assertThat(JSON.readTree(annotation()).get("nodeID").textValue()).isEqualTo(US);
    assertThat(lock.holder()).contains(new LockHolder(US, expiry, Duration.ofMinutes(30), false));
  }

  @Test
  void ourLockIsRenewedUntilSomeoneElseHoldsIt() throws Exception {
    // Given our lock, taken at T0
    kured(Map.of(), MLAB_ARGS);
    lock.acquire(US);

    // When we acquire it again ten minutes later
    clock.advance(Duration.ofMinutes(10));
    LockOutcome again = lock.acquire(US);

    // Then it was already ours, and renewed
    assertThat(again).isEqualTo(new LockOutcome(Kind.ALREADY_OURS, null));
    assertThat(created()).isEqualTo(T0.plus(Duration.ofMinutes(10)));

    // When the rollout refreshes it ten minutes on
    clock.advance(Duration.ofMinutes(10));

    // Then it is renewed again
    assertThat(lock.refresh(US)).isTrue();
    assertThat(created()).isEqualTo(T0.plus(Duration.ofMinutes(20)));

    // When a node has taken it meanwhile (our lock lapsed, say)
    setAnnotation(nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS));

    // Then refresh says we lost it, and leaves the node's lock as it is
    assertThat(lock.refresh(US)).isFalse();
    assertThat(annotation()).isEqualTo(nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS));
  }

  @Test
  void aLapsedLockThatNobodyTookIsStillOurs() {
    // Given our lock, past its TTL, still written there
    kured(Map.of(), MLAB_ARGS);
    lock.acquire(US);
    clock.advance(Duration.ofMinutes(45));
    assertThat(lock.holder()).hasValueSatisfying(h -> assertThat(h.expired()).isTrue());

    // When we refresh it
    boolean refreshed = lock.refresh(US);

    // Then it is renewed: kured never used the gap, or the lock would be kured's
    assertThat(refreshed).isTrue();
    assertThat(lock.holder()).contains(new LockHolder(US, T0.plus(Duration.ofMinutes(45)), Duration.ofMinutes(30), false));
  }

  @Test
  void releaseRemovesOurLockOnlyAndLeavesANodesAlone() {
    // Given our lock
    kured(Map.of(), MLAB_ARGS);
    lock.acquire(US);

    // When we release it
    boolean released = lock.release(US);

    // Then the annotation is gone, the others stay, and a second release has nothing to do
    assertThat(released).isTrue();
    assertThat(daemonSet().getMetadata().getAnnotations()).doesNotContainKey(KEY)
        .containsEntry("deprecated.daemonset.template.generation", "3");
    assertThat(lock.holder()).isEmpty();
    assertThat(lock.release(US)).isFalse();

    // Given a node's lock, even an expired one
    setAnnotation(nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS));
    clock.set(NODE_CREATED_AT.plus(Duration.ofDays(1)));
    String before = resourceVersion();

    // When we release
    // Then nothing is removed: only kured on that node releases it (or someone takes it over)
    assertThat(lock.release(US)).isFalse();
    assertThat(annotation()).isEqualTo(nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS));
    assertThat(resourceVersion()).isEqualTo(before);
  }

  @Test
  void aMultiOwnerLockWithALiveNodeIsHeld() {
    // Given kured at --concurrency=2 with one node rebooting (one slot still free for kured)
    kured(Map.of(KEY, multiLock(2, nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS))), args("--concurrency=2"));
    String before = resourceVersion();

    // When we acquire
    LockOutcome outcome = lock.acquire(US);

    // Then we wait for that node, even though kured would let a second node in: we reboot alone
    assertThat(outcome.kind()).isEqualTo(Kind.HELD);
    assertThat(outcome.other().nodeID()).isEqualTo(NODE);
    assertThat(resourceVersion()).isEqualTo(before);
  }

  @Test
  void anExpiredMultiOwnerLockIsTakenOverWithEverySlotThenReleased() throws Exception {
    // Given kured at --concurrency=2, its annotation listing one expired and one live node...
    kured(Map.of(KEY, multiLock(2,
        nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS),
        nodeLock(OTHER_NODE, "2025-06-02T11:30:00Z", FOUR_HOURS_NS))), args("--concurrency=2"));
    clock.set(NODE_CREATED_AT.plus(Duration.ofHours(5)));

    // When we acquire: the live one holds it
    assertThat(lock.acquire(US).other().nodeID()).isEqualTo(OTHER_NODE);

    // When that node has released its entry (kured rewrites the list without it)
    setAnnotation(multiLock(2, nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS)));
    LockOutcome outcome = lock.acquire(US);

    // Then we took over from the expired node and fill both slots, so kured (reboots while fewer
    // than maxOwners live locks are listed) finds none free; the form is still kured's
    assertThat(outcome.kind()).isEqualTo(Kind.TAKEN_OVER);
    assertThat(outcome.other().nodeID()).isEqualTo(NODE);
    assertThat(outcome.other().expired()).isTrue();
    JsonNode value = JSON.readTree(annotation());
    assertThat(fieldNames(value)).containsExactly("maxOwners", "locks");
    assertThat(value.get("maxOwners").intValue()).isEqualTo(2);
    assertThat(value.get("locks")).hasSize(2).allSatisfy(entry -> {
      assertThat(fieldNames(entry)).containsExactly("nodeID", "metadata", "created", "TTL");
      assertThat(entry.get("nodeID").textValue()).isEqualTo(US);
      assertThat(entry.get("TTL").longValue()).isEqualTo(Duration.ofMinutes(30).toNanos());
    });

    // When we refresh, then release it
    clock.advance(Duration.ofMinutes(10));
    assertThat(lock.refresh(US)).isTrue();
    assertThat(JSON.readTree(annotation()).get("locks")).hasSize(2)
        .allSatisfy(e -> assertThat(Instant.parse(e.get("created").textValue())).isEqualTo(clock.instant()));
    assertThat(lock.release(US)).isTrue();

    // Then no lock is left
    assertThat(daemonSet().getMetadata().getAnnotations()).doesNotContainKey(KEY);
  }

  @Test
  void anEmptyMultiOwnerLockIsFree() throws Exception {
    // Given kured at --concurrency=3, having released its last lock (Go writes null or [])
    kured(Map.of(KEY, "{\"maxOwners\":3,\"locks\":null}"), args("--concurrency=3"));

    // When we acquire
    LockOutcome outcome = lock.acquire(US);

    // Then it is ours in all three slots
    assertThat(outcome.kind()).isEqualTo(Kind.ACQUIRED);
    JsonNode value = JSON.readTree(annotation());
    assertThat(value.get("maxOwners").intValue()).isEqualTo(3);
    assertThat(value.get("locks")).hasSize(3);
  }

  @Test
  void kuredsConcurrencyDecidesTheFormOfANewLock() throws Exception {
    // Given kured at --concurrency 2 (flag and value apart) and no lock yet
    kured(Map.of(), args("--concurrency", "2"));

    // When we acquire
    lock.acquire(US);

    // Then we write the multi-owner form it parses, not the single one it would read as "no locks"
    assertThat(JSON.readTree(annotation()).get("locks")).hasSize(2);
  }

  @Test
  void whenKuredsConcurrencyIsHiddenTheAnnotationsFormIsKept() throws Exception {
    // Given kured whose concurrency may come from a ConfigMap, and a multi-owner annotation with no live lock
    DaemonSet ds = KuredDaemonSets.daemonSet(null, Map.of(KEY, "{\"maxOwners\":2,\"locks\":[]}"), MLAB_ARGS.subList(0, 2));
    ds.getSpec().getTemplate().getSpec().getContainers().get(0).setEnvFrom(List.of(
        new EnvFromSourceBuilder().withNewConfigMapRef("kured-env", false).build()));
    client.apps().daemonSets().inNamespace(NAMESPACE).resource(ds).create();

    // When we acquire
    lock.acquire(US);

    // Then our lock keeps that form and its maxOwners
    JsonNode value = JSON.readTree(annotation());
    assertThat(value.get("maxOwners").intValue()).isEqualTo(2);
    assertThat(value.get("locks")).hasSize(2);
  }

  @Test
  void releaseInTheMultiOwnerFormKeepsOtherEntries() throws Exception {
    // Given kured at concurrency 2 through KURED_CONCURRENCY (the environment wins over --concurrency=1),
    // listing our entry and an expired node's
    DaemonSet ds = KuredDaemonSets.daemonSet(null, Map.of(KEY, multiLock(2,
        nodeLock(US, "2025-06-02T11:59:00Z", Duration.ofMinutes(30).toNanos()),
        nodeLock(NODE, NODE_CREATED, FOUR_HOURS_NS))), MLAB_ARGS);
    ds.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().add(new EnvVar("KURED_CONCURRENCY", "2", null));
    client.apps().daemonSets().inNamespace(NAMESPACE).resource(ds).create();

    // When we release
    assertThat(lock.release(US)).isTrue();

    // Then only our entry is gone
    JsonNode value = JSON.readTree(annotation());
    assertThat(value.get("maxOwners").intValue()).isEqualTo(2);
    assertThat(value.get("locks")).hasSize(1);
    assertThat(value.get("locks").get(0).get("nodeID").textValue()).isEqualTo(NODE);
  }

  @Test
  void aMissingDaemonSetNamesWhereWeLookedAndTheSetting() {
    // Given no kured DaemonSet in the namespace
    // When we acquire
    // Then a non-retryable failure names it and the setting to fix
    assertThatThrownBy(() -> lock.acquire(US)).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(KuredLock.NOT_FOUND);
      assertThat(e.isNonRetryable()).isTrue();
      assertThat(e.getOriginalMessage()).contains("default/kubereboot-kured", "reboot.kured.daemonSet");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "fleet-upgrade was here",
      "{\"nodeID\":\"n\",\"created\":\"2025-06-02T10:00:00Z\",\"TTL\":\"4h\"}",
      "{\"nodeID\":\"n\",\"created\":\"yesterday\",\"TTL\":0}",
      "{\"maxOwners\":2,\"locks\":{}}",
      "{\"nodeID\":\"n\",\"created\":\"2025-06-02T10:00:00Z\",\"TTL\":0} trailing"})
  void anAnnotationKuredCannotParseIsQuoted(String garbage) {
    // Given an annotation that is not a kured lock
    kured(Map.of(KEY, garbage), MLAB_ARGS);

    // When we acquire
    // Then a non-retryable failure quotes it, and nothing is written over it
    assertThatThrownBy(() -> lock.acquire(US)).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(KuredLock.MALFORMED);
      assertThat(e.isNonRetryable()).isTrue();
      assertThat(e.getOriginalMessage()).contains("'" + garbage + "'", KEY);
    });
    assertThat(annotation()).isEqualTo(garbage);
  }

  @Test
  void aLongMalformedAnnotationIsTruncated() {
    // Given a huge non-lock annotation
    String huge = "x".repeat(5000);
    kured(Map.of(KEY, huge), MLAB_ARGS);

    // When we ask who holds the lock
    // Then the failure quotes the start only
    assertThatThrownBy(() -> lock.holder()).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(KuredLock.MALFORMED);
      assertThat(e.getOriginalMessage()).contains("x".repeat(200) + "...(5000 chars)").hasSizeLessThan(600);
    });
  }

  @Test
  void kuredLockingAnotherAnnotationFailsRatherThanHoldingAUselessLock() {
    // Given kured told to use another annotation than our settings
    kured(Map.of(), args("--lock-annotation=example.org/reboot-lock"));

    // When we acquire
    // Then we refuse: kured would never see our lock
    assertThatThrownBy(() -> lock.acquire(US)).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(KuredLock.MISMATCH);
      assertThat(e.isNonRetryable()).isTrue();
      assertThat(e.getOriginalMessage()).contains("--lock-annotation=example.org/reboot-lock", "reboot.kured.annotation");
    });
  }

  @Test
  void settingsRefuseATtlKuredWouldNeverExpire() {
    assertThatThrownBy(() -> new KuredLockSettings("default", NAME, KEY, Duration.ZERO))
        .hasMessageContaining("reboot.kured.ttl");
    assertThat(KuredLockSettings.DEFAULT.refreshEvery()).isEqualTo(Duration.ofMinutes(10));
  }

  // --- helpers ---

  private void kured(Map<String, String> annotations, List<String> args) {
    client.apps().daemonSets().inNamespace(NAMESPACE).resource(KuredDaemonSets.daemonSet(null, annotations, args)).create();
  }

  /** M-Lab's args with one more (a later flag wins, as with pflag). */
  private static List<String> args(String... more) {
    List<String> all = new ArrayList<>(MLAB_ARGS);
    all.addAll(List.of(more));
    return all;
  }

  private DaemonSet daemonSet() {
    return client.apps().daemonSets().inNamespace(NAMESPACE).withName(NAME).get();
  }

  private String annotation() {
    return daemonSet().getMetadata().getAnnotations().get(KEY);
  }

  private String resourceVersion() {
    return daemonSet().getMetadata().getResourceVersion();
  }

  private Instant created() throws Exception {
    return Instant.parse(JSON.readTree(annotation()).get("created").textValue());
  }

  /** Another writer (kured on a node) changes the lock. */
  private void setAnnotation(String value) {
    DaemonSet ds = daemonSet();
    ds.getMetadata().getAnnotations().put(KEY, value);
    client.apps().daemonSets().inNamespace(NAMESPACE).resource(ds).update();
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
