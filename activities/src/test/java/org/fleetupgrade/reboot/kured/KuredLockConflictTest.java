package org.fleetupgrade.reboot.kured;

import org.fleetupgrade.images.cloudbuild.TestClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.FOUR_HOURS_NS;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.KEY;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.MLAB_ARGS;
import static org.fleetupgrade.reboot.kured.KuredDaemonSets.nodeLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.Map;
import org.fleetupgrade.reboot.kured.LockOutcome.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Races, scripted: the mock server in expectations mode answers our read, then refuses our write
 * with the API server's 409 as if kured on a node had written in between. One server for the class,
 * reset before each test (see KuredLockTest for why not @EnableKubernetesMockClient).
 */
class KuredLockConflictTest {

  static final String PATH = "/apis/apps/v1/namespaces/default/daemonsets/kubereboot-kured";
  static final String US = "fleet-upgrade/fleet-upgrade-v1.33.4/production";
  static final String NODE = "mlab1-lga03.mlab-oti.measurement-lab.org";
  static final Status CONFLICT = new StatusBuilder().withApiVersion("v1").withKind("Status").withStatus("Failure")
      .withReason("Conflict").withCode(409)
      .withMessage("Operation cannot be fulfilled on daemonsets.apps \"kubereboot-kured\": the object has been modified;"
          + " please apply your changes to the latest version and try again")
      .build();

  static KubernetesMockServer server;
  static KubernetesClient client;
  KuredLock lock;

  @BeforeAll
  static void startServer() {
    server = new KubernetesMockServer(false);
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
    lock = new KuredLock(client, KuredLockSettings.DEFAULT, new TestClock(Instant.parse("2025-06-02T12:00:00Z")));
  }

  @Test
  void aWriteThatLostTheRaceIsDecidedAgainOnWhatWonIt() throws Exception {
    // Given a free lock when we read, a node's lock written before our write lands
    server.expect().get().withPath(PATH).andReturn(200, free("10")).once();
    server.expect().put().withPath(PATH).andReturn(409, CONFLICT).once();
    server.expect().get().withPath(PATH)
        .andReturn(200, held("11", nodeLock(NODE, "2025-06-02T11:59:59.5Z", FOUR_HOURS_NS))).once();

    // When we acquire
    LockOutcome outcome = lock.acquire(US);

    // Then we read again and wait for the node, writing nothing more
    assertThat(outcome.kind()).isEqualTo(Kind.HELD);
    assertThat(outcome.other().nodeID()).isEqualTo(NODE);
    assertThat(server.getRequestCount()).isEqualTo(3);
    server.takeRequest();
    RecordedRequest put = server.takeRequest();
    assertThat(put.getMethod()).isEqualTo("PUT");
    assertThat(resourceVersion(put)).isEqualTo("10");
  }

  @Test
  void aRetriedWriteCarriesTheResourceVersionItReadAgain() throws Exception {
    // Given a conflict on our first write, and the lock still free on the second read
    server.expect().get().withPath(PATH).andReturn(200, free("10")).once();
    server.expect().put().withPath(PATH).andReturn(409, CONFLICT).once();
    server.expect().get().withPath(PATH).andReturn(200, free("12")).once();
    server.expect().put().withPath(PATH).andReturn(200, free("13")).once();

    // When we acquire
    LockOutcome outcome = lock.acquire(US);

    // Then it is ours, and each write was conditional on the version just read
    assertThat(outcome.kind()).isEqualTo(Kind.ACQUIRED);
    assertThat(server.getRequestCount()).isEqualTo(4);
    server.takeRequest();
    assertThat(resourceVersion(server.takeRequest())).isEqualTo("10");
    server.takeRequest();
    RecordedRequest second = server.takeRequest();
    // (a recorded body can be read once: getUtf8Body consumes it)
    JsonNode body = new ObjectMapper().readTree(second.getUtf8Body());
    assertThat(body.at("/metadata/resourceVersion").textValue()).isEqualTo("12");
    assertThat(body.at("/metadata/annotations").get(KEY).textValue()).contains("\"nodeID\":\"" + US + "\"");
  }

  @Test
  void endlessConflictsEndInARetryableFailure() {
    // Given a DaemonSet that changes under every write
    server.expect().get().withPath(PATH).andReturn(200, free("10")).always();
    server.expect().put().withPath(PATH).andReturn(409, CONFLICT).always();

    // When we acquire
    // Then we give up after a few tries, leaving it to the activity's retries
    assertThatThrownBy(() -> lock.acquire(US)).isInstanceOfSatisfying(ApplicationFailure.class, e -> {
      assertThat(e.getType()).isEqualTo(KuredLock.CONTENDED);
      assertThat(e.isNonRetryable()).isFalse();
    });
    assertThat(server.getRequestCount()).isEqualTo(2 * KuredLock.TRIES);
  }

  private static DaemonSet free(String resourceVersion) {
    return KuredDaemonSets.daemonSet(resourceVersion, Map.of(), MLAB_ARGS);
  }

  private static DaemonSet held(String resourceVersion, String lockValue) {
    return KuredDaemonSets.daemonSet(resourceVersion, Map.of(KEY, lockValue), MLAB_ARGS);
  }

  private static String resourceVersion(RecordedRequest request) throws Exception {
    return new ObjectMapper().readTree(request.getUtf8Body()).at("/metadata/resourceVersion").textValue();
  }
}
