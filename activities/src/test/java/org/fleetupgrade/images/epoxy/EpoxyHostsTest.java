package org.fleetupgrade.images.epoxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.cloud.NoCredentials;
import com.google.cloud.datastore.Datastore;
import com.google.cloud.datastore.DatastoreException;
import com.google.cloud.datastore.DatastoreOptions;
import com.google.datastore.v1.ArrayValue;
import com.google.datastore.v1.Entity;
import com.google.datastore.v1.Key;
import com.google.datastore.v1.PartitionId;
import com.google.datastore.v1.Value;
import com.google.protobuf.ByteString;
import com.google.protobuf.NullValue;
import com.google.protobuf.Timestamp;
import com.google.rpc.Code;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** EpoxyHosts with the real google-cloud-datastore client, against {@link LocalDatastore}. */
class EpoxyHostsTest {

  private static final String PROJECT = "mlab-sandbox";
  private static final String NAMESPACE = "ePoxy";
  private static final String OLD = "v2.4.30";
  private static final String NEW = "v2.4.31";
  private static final Pattern MLAB_1_TO_3 = EpoxyHosts.hostPattern("^mlab[1-3]");

  private static final List<String> SITES = List.of("lga03", "ams08");
  private static final List<String> CHANGED = List.of(fqdn(1, "ams08"), fqdn(1, "lga03"), fqdn(2, "ams08"),
      fqdn(2, "lga03"), fqdn(3, "ams08"), fqdn(3, "lga03"));
  private static final List<String> LEFT_OUT = List.of(fqdn(4, "ams08"), fqdn(4, "lga03"));

  private LocalDatastore server;
  private EpoxyHosts hosts;

  @BeforeEach
  void start() throws IOException {
    server = new LocalDatastore();
    hosts = EpoxyHosts.connect(PROJECT, NAMESPACE, server.endpoint());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void changesTheMatchingHostsAndKeepsEveryOtherPropertyAsItWas() {
    // Given mlab1..mlab4 at two sites, at v2.4.30, with the properties the ePoxy server writes
    Map<String, Entity> before = seedFleet();

    // When the matching hosts move to v2.4.31
    List<String> progress = new ArrayList<>();
    HostsUpdate update = hosts.apply(MLAB_1_TO_3, NEW, progress::add);

    // Then mlab1-3 changed, mlab4 was left out and not written
    assertThat(update.changed()).containsExactlyElementsOf(CHANGED);
    assertThat(update.unchanged()).isEmpty();
    assertThat(update.leftOut()).containsExactlyElementsOf(LEFT_OUT);
    assertThat(progress).hasSize(6).first().asString().startsWith("1/6 " + fqdn(1, "ams08") + ": " + OLD + " -> " + NEW);
    for (String name : CHANGED) {
      Entity after = stored(name);
      assertThat(after.getPropertiesOrThrow(EpoxyHosts.IMAGES_VERSION)).isEqualTo(string(NEW));
      // and every other property is the proto the ePoxy server wrote, field for field
      assertThat(withoutImagesVersion(after)).isEqualTo(withoutImagesVersion(before.get(name)));
      assertThat(server.writes(name)).isEqualTo(1);
    }
    for (String name : LEFT_OUT) {
      assertThat(stored(name)).isEqualTo(before.get(name));
      assertThat(server.writes(name)).isZero();
    }
  }

  @Test
  void aRerunChangesNothingAndWritesNothing() {
    // Given a fleet already moved to v2.4.31
    seedFleet();
    hosts.apply(MLAB_1_TO_3, NEW, line -> { });
    int writes = server.totalWrites();
    int transactions = server.calls("beginTransaction");

    // When the same change runs again (an activity retry)
    HostsUpdate rerun = hosts.apply(MLAB_1_TO_3, NEW, line -> { });

    // Then every matching host is unchanged, with no transaction and no write
    assertThat(rerun.changed()).isEmpty();
    assertThat(rerun.unchanged()).containsExactlyElementsOf(CHANGED);
    assertThat(rerun.leftOut()).containsExactlyElementsOf(LEFT_OUT);
    assertThat(server.totalWrites()).isEqualTo(writes);
    assertThat(server.calls("beginTransaction")).isEqualTo(transactions);
  }

  @Test
  void planReportsTheSameSetsAndWritesNothing() {
    // Given the fleet at v2.4.30
    Map<String, Entity> before = seedFleet();

    // When the change is planned
    HostsPlan plan = hosts.plan(MLAB_1_TO_3, NEW);

    // Then it names what apply would change, and nothing was written
    assertThat(plan.toChange()).containsExactlyElementsOf(CHANGED);
    assertThat(plan.unchanged()).isEmpty();
    assertThat(plan.leftOut()).containsExactlyElementsOf(LEFT_OUT);
    assertThat(server.totalWrites()).isZero();
    assertThat(server.calls("commit")).isZero();
    before.forEach((name, entity) -> assertThat(stored(name)).isEqualTo(entity));
  }

  @Test
  void aHostAlreadyAtTheVersionIsNotWritten() {
    // Given mlab2-lga03 already boots v2.4.31
    seedFleet();
    Entity current = host(fqdn(2, "lga03"), NEW);
    server.put(current);

    // When the matching hosts move to v2.4.31
    HostsPlan plan = hosts.plan(MLAB_1_TO_3, NEW);
    HostsUpdate update = hosts.apply(MLAB_1_TO_3, NEW, line -> { });

    // Then it is reported unchanged and was not written at all
    assertThat(plan.unchanged()).containsExactly(fqdn(2, "lga03"));
    assertThat(update.unchanged()).containsExactly(fqdn(2, "lga03"));
    assertThat(update.changed()).hasSize(5).doesNotContain(fqdn(2, "lga03"));
    assertThat(server.writes(fqdn(2, "lga03"))).isZero();
    assertThat(stored(fqdn(2, "lga03"))).isEqualTo(current);
  }

  @Test
  void keepsTheIndexFlagOfImagesVersionAndAddsItWhenMissing() {
    // Given one host whose ImagesVersion is unindexed and one that has none
    String unindexed = fqdn(1, "lga03");
    String missing = fqdn(2, "lga03");
    server.put(host(unindexed, OLD).toBuilder()
        .putProperties(EpoxyHosts.IMAGES_VERSION, string(OLD).toBuilder().setExcludeFromIndexes(true).build()).build());
    server.put(host(missing, null));

    // When both move to v2.4.31
    HostsUpdate update = hosts.apply(MLAB_1_TO_3, NEW, line -> { });

    // Then the first stays unindexed and the second gets a plain indexed string
    assertThat(update.changed()).containsExactly(unindexed, missing);
    assertThat(stored(unindexed).getPropertiesOrThrow(EpoxyHosts.IMAGES_VERSION))
        .isEqualTo(string(NEW).toBuilder().setExcludeFromIndexes(true).build());
    assertThat(stored(missing).getPropertiesOrThrow(EpoxyHosts.IMAGES_VERSION)).isEqualTo(string(NEW));
  }

  @Test
  void aConcurrentSessionUpdateAbortsTheTransactionWhichRunsAgainAndBothChangesSurvive() {
    // Given one matching host, and the ePoxy server recording a boot session on it between our
    // lookup and our commit
    String name = fqdn(1, "lga03");
    server.put(host(name, OLD));
    Timestamp session = Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(654_321_000).build();
    server.beforeCommit(commit -> server.put(stored(name).toBuilder()
        .putProperties("LastSessionCreation", Value.newBuilder().setTimestampValue(session).build()).build()));
    EpoxyHosts noBackoff = new EpoxyHosts(datastore(), NAMESPACE, Duration.ZERO);

    // When the host moves to v2.4.31
    HostsUpdate update = noBackoff.apply(EpoxyHosts.hostPattern("^mlab1"), NEW, line -> { });

    // Then the first commit was aborted, the transaction ran again, and both changes are there
    assertThat(update.changed()).containsExactly(name);
    assertThat(server.calls("commit")).isEqualTo(2);
    assertThat(server.calls("beginTransaction")).isEqualTo(2);
    Entity after = stored(name);
    assertThat(after.getPropertiesOrThrow(EpoxyHosts.IMAGES_VERSION)).isEqualTo(string(NEW));
    assertThat(after.getPropertiesOrThrow("LastSessionCreation").getTimestampValue()).isEqualTo(session);
    assertThat(server.writes(name)).isEqualTo(1);
  }

  @Test
  void contentionThatOutlastsTheRetriesPropagatesForTemporalToRetry() {
    // Given a host the ePoxy server writes before each of our commits
    String name = fqdn(1, "lga03");
    server.put(host(name, OLD));
    for (int i = 0; i < EpoxyHosts.TRANSACTION_ATTEMPTS; i++) {
      int session = i;
      server.beforeCommit(commit -> server.put(stored(name).toBuilder()
          .putProperties("LastReport", timestamp(1_795_000_000L + session)).build()));
    }
    EpoxyHosts noBackoff = new EpoxyHosts(datastore(), NAMESPACE, Duration.ZERO);

    // When the host moves to v2.4.31
    DatastoreException thrown = catchThrowableOfType(DatastoreException.class,
        () -> noBackoff.apply(EpoxyHosts.hostPattern("^mlab1"), NEW, line -> { }));

    // Then Datastore's ABORTED propagates after the last try, and nothing of ours was written
    assertThat(thrown.getReason()).isEqualTo("ABORTED");
    assertThat(server.calls("commit")).isEqualTo(EpoxyHosts.TRANSACTION_ATTEMPTS);
    assertThat(server.writes(name)).isZero();
    assertThat(stored(name).getPropertiesOrThrow(EpoxyHosts.IMAGES_VERSION)).isEqualTo(string(OLD));
  }

  @Test
  void aPatternMatchingNoHostIsRefused() {
    // Given the fleet of 8 hosts
    seedFleet();

    // When a pattern matches none of them
    Pattern none = EpoxyHosts.hostPattern("^mlab[5-9]");
    ApplicationFailure applied = catchThrowableOfType(ApplicationFailure.class,
        () -> hosts.apply(none, NEW, line -> { }));
    ApplicationFailure planned = catchThrowableOfType(ApplicationFailure.class, () -> hosts.plan(none, NEW));

    // Then both refuse, non-retryably, naming the pattern, the namespace and how many hosts exist
    for (ApplicationFailure failure : List.of(applied, planned)) {
      assertThat(failure.getType()).isEqualTo(EpoxyHosts.NO_HOSTS_MATCHED);
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getOriginalMessage()).contains("^mlab[5-9]", NAMESPACE, PROJECT, "8 hosts");
    }
    assertThat(server.totalWrites()).isZero();
  }

  @Test
  void pagesThroughAllHosts() {
    // Given 1,200 hosts: more than one query page, and more than one batch within a page
    IntStream.range(0, 1200).forEach(i -> server.put(minimalHost("mlab1-x%04d.mlab-sandbox.measurement-lab.org"
        .formatted(i), OLD)));

    // When the change is planned, and applied to the hosts of the last page
    HostsPlan plan = hosts.plan(EpoxyHosts.hostPattern("^mlab1"), NEW);
    int planQueries = server.calls("runQuery");
    HostsUpdate update = hosts.apply(EpoxyHosts.hostPattern("^mlab1-x11[0-9]{2}\\."), NEW, line -> { });

    // Then every host was seen, in order, over several requests
    assertThat(plan.toChange()).hasSize(1200).isSorted()
        .startsWith("mlab1-x0000.mlab-sandbox.measurement-lab.org").endsWith("mlab1-x1199.mlab-sandbox.measurement-lab.org");
    // pages of 500 (batches of 300 + 200, the client following NOT_FINISHED), 500 (300 + 200), then 200
    assertThat(planQueries).isEqualTo(5);
    assertThat(update.changed()).hasSize(100).startsWith("mlab1-x1100.mlab-sandbox.measurement-lab.org");
    assertThat(update.leftOut()).hasSize(1100);
    assertThat(server.totalWrites()).isEqualTo(100);
  }

  @Test
  void aProgressConsumerThatThrowsStopsTheWork() {
    // Given the fleet, and a heartbeat that fails (the activity was cancelled)
    seedFleet();
    RuntimeException cancelled = new IllegalStateException("activity cancelled");

    // When the change runs
    assertThatThrownBy(() -> hosts.apply(MLAB_1_TO_3, NEW, line -> {
      throw cancelled;
    })).isSameAs(cancelled);

    // Then only the host done before the first heartbeat was written
    assertThat(server.totalWrites()).isEqualTo(1);
    assertThat(server.writes(CHANGED.get(0))).isEqualTo(1);
  }

  @Test
  void aBadPatternIsRefusedWithAClearMessage() {
    // Given an operator's pattern with an unclosed class, and a blank one
    // When they are compiled
    // Then each is refused with a message naming the problem
    assertThatThrownBy(() -> EpoxyHosts.hostPattern("^mlab[1-3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid host pattern '^mlab[1-3'")
        .hasMessageContaining("Unclosed character class");
    assertThatThrownBy(() -> EpoxyHosts.hostPattern(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a host pattern is required");
  }

  @Test
  void patternsMatchAnywhereInTheName() {
    // Given the fleet
    seedFleet();

    // When a pattern without anchors is planned
    HostsPlan plan = hosts.plan(EpoxyHosts.hostPattern("lga03"), NEW);

    // Then it matches wherever it is found in the FQDN, like Go's regexp.MatchString in epoxy_admin
    assertThat(plan.toChange()).containsExactly(fqdn(1, "lga03"), fqdn(2, "lga03"), fqdn(3, "lga03"), fqdn(4, "lga03"));
  }

  @Test
  void permissionDeniedIsANonRetryableFailureNamingTheRole() {
    // Given a Datastore that refuses the worker's account
    seedFleet();
    server.denyAll(Code.PERMISSION_DENIED);

    // When the change is planned or applied
    ApplicationFailure planned = catchThrowableOfType(ApplicationFailure.class, () -> hosts.plan(MLAB_1_TO_3, NEW));
    ApplicationFailure applied = catchThrowableOfType(ApplicationFailure.class,
        () -> hosts.apply(MLAB_1_TO_3, NEW, line -> { }));

    // Then both fail for good, naming the project, the namespace and the role to grant
    for (ApplicationFailure failure : List.of(planned, applied)) {
      assertThat(failure.getType()).isEqualTo(EpoxyHosts.PERMISSION_DENIED);
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getOriginalMessage()).contains(PROJECT, NAMESPACE, "roles/datastore.user");
    }
    assertThat(server.calls("runQuery")).isEqualTo(2);
  }

  // --- the fleet, as protos the way ePoxy's Go server writes them

  private Map<String, Entity> seedFleet() {
    Map<String, Entity> fleet = new TreeMap<>();
    for (int n = 1; n <= 4; n++) {
      for (String site : SITES) {
        Entity host = host(fqdn(n, site), OLD);
        server.put(host);
        fleet.put(fqdn(n, site), host);
      }
    }
    return fleet;
  }

  private static String fqdn(int machine, String site) {
    return "mlab" + machine + "-" + site + ".mlab-sandbox.measurement-lab.org";
  }

  private static Key key(String name) {
    return Key.newBuilder()
        .setPartitionId(PartitionId.newBuilder().setProjectId(PROJECT).setNamespaceId(NAMESPACE))
        .addPath(Key.PathElement.newBuilder().setKind(EpoxyHosts.KIND).setName(name))
        .build();
  }

  /**
   * A Host entity like ePoxy's: nested maps of unindexed strings (one map itself unindexed), timestamps
   * (one with microseconds, one Go's zero time), a boolean, lists (one empty), a null, a blob with a meaning.
   */
  static Entity host(String name, String imagesVersion) {
    Entity.Builder host = Entity.newBuilder().setKey(key(name))
        .putProperties("Name", string(name))
        .putProperties("IPv4Addr", string("4.14.159.85").toBuilder().setExcludeFromIndexes(true).build())
        .putProperties("Boot", map(Map.of(
            "stage1.ipxe", "https://storage.googleapis.com/epoxy-mlab-sandbox/stage1_mlab/stage1.ipxe",
            "stage2", "https://storage.googleapis.com/epoxy-mlab-sandbox/stage2/stage2.json",
            "stage3", "https://storage.googleapis.com/epoxy-mlab-sandbox/stage3_ubuntu/stage3.json")))
        .putProperties("Update", map(Map.of()))
        .putProperties("UpdateEnabled", Value.newBuilder().setBooleanValue(false).build())
        .putProperties("Extensions", Value.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(string("allocate_k8s_token"))
            .addValues(string("bmc_store_password").toBuilder().setExcludeFromIndexes(true))).build())
        .putProperties("Labels", Value.newBuilder().setArrayValue(ArrayValue.getDefaultInstance()).build())
        .putProperties("Fingerprint", Value.newBuilder().setBlobValue(ByteString.copyFrom(new byte[] {0, 1, -2, 127}))
            .setMeaning(16).setExcludeFromIndexes(true).build())
        .putProperties("CurrentSessionIDs", Value.newBuilder().setEntityValue(Entity.newBuilder()
            .putProperties("Stage2ID", string("a1b2c3"))
            .putProperties("Stage3ID", string("d4e5f6"))
            .putProperties("ReportID", string("0718aa"))
            .putProperties("ExtensionID", string(""))).build())
        .putProperties("LastSessionCreation", Value.newBuilder()
            .setTimestampValue(Timestamp.newBuilder().setSeconds(1_794_000_000L).setNanos(123_456_000)).build())
        .putProperties("LastReport", timestamp(1_794_000_100L))
        // Go's zero time.Time
        .putProperties("LastSuccess", timestamp(-62_135_596_800L))
        .putProperties("CollectedInformation", map(Map.of(
            "platform", "pcbios",
            "public_ssh_host_key", "ssh-ed25519 " + "A".repeat(1600) + " root@" + name))
            .toBuilder().setExcludeFromIndexes(true).build())
        .putProperties("Retired", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build());
    if (imagesVersion != null) {
      host.putProperties(EpoxyHosts.IMAGES_VERSION, string(imagesVersion));
    }
    return host.build();
  }

  private static Entity minimalHost(String name, String imagesVersion) {
    return Entity.newBuilder().setKey(key(name))
        .putProperties("Name", string(name))
        .putProperties(EpoxyHosts.IMAGES_VERSION, string(imagesVersion))
        .build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value timestamp(long seconds) {
    return Value.newBuilder().setTimestampValue(Timestamp.newBuilder().setSeconds(seconds)).build();
  }

  /** A datastorex.Map: an entity value of unindexed strings. */
  private static Value map(Map<String, String> values) {
    Entity.Builder map = Entity.newBuilder();
    values.forEach((k, v) -> map.putProperties(k, string(v).toBuilder().setExcludeFromIndexes(true).build()));
    return Value.newBuilder().setEntityValue(map).build();
  }

  private static Entity withoutImagesVersion(Entity entity) {
    return entity.toBuilder().removeProperties(EpoxyHosts.IMAGES_VERSION).build();
  }

  private Entity stored(String name) {
    return server.get(NAMESPACE, EpoxyHosts.KIND, name);
  }

  private Datastore datastore() {
    return DatastoreOptions.newBuilder().setProjectId(PROJECT).setHost(server.endpoint())
        .setCredentials(NoCredentials.getInstance()).build().getService();
  }
}
