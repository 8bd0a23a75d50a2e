package org.fleetupgrade.images.epoxy;

import com.google.cloud.NoCredentials;
import com.google.cloud.datastore.Cursor;
import com.google.cloud.datastore.Datastore;
import com.google.cloud.datastore.DatastoreException;
import com.google.cloud.datastore.DatastoreOptions;
import com.google.cloud.datastore.Entity;
import com.google.cloud.datastore.EntityQuery;
import com.google.cloud.datastore.Key;
import com.google.cloud.datastore.Query;
import com.google.cloud.datastore.QueryResults;
import com.google.cloud.datastore.StringValue;
import com.google.cloud.datastore.Transaction;
import com.google.cloud.datastore.Value;
import com.google.cloud.datastore.ValueType;
import com.google.datastore.v1.QueryResultBatch.MoreResultsType;
import com.google.rpc.Code;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.fleetupgrade.status.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ePoxy's Host entities in Cloud Datastore: which epoxy-images release (ImagesVersion) each
 * production node network-boots, and the change of it for the hosts whose FQDN matches a pattern.
 *
 * <p>Does what {@code epoxy_admin update --images-version TAG --hostname REGEX} does, but a host
 * already at the tag is not written, and each host is read, checked and written inside its own
 * Datastore transaction, so a session update the ePoxy server makes at the same moment is never
 * overwritten: the transaction aborts and is run again on the fresh entity. Every other property of
 * the entity is written back as it was read.
 *
 * <p>The reverse is not in our hands: the ePoxy server itself loads a Host and saves it back without a
 * transaction while a machine boots, so a node booting during {@link #apply} may write back the
 * ImagesVersion it had read before ours. Check with {@link #plan} afterwards (nothing left to change)
 * before relying on the change; running {@link #apply} again is safe.
 */
public final class EpoxyHosts {

  /** The kind of ePoxy's host entities; the key name is the node's FQDN. */
  public static final String KIND = "Host";
  /** The property naming the epoxy-images release a host boots. */
  public static final String IMAGES_VERSION = "ImagesVersion";
  /** The role on the project that lists and writes the entities. */
  public static final String REQUIRED_ROLE = "roles/datastore.user";

  public static final String PERMISSION_DENIED = "EpoxyPermissionDenied";
  public static final String NO_HOSTS_MATCHED = "EpoxyNoHostsMatched";

  /** Entities per query page; M-Lab has about 1,500 hosts. */
  static final int PAGE_SIZE = 500;
  /** Tries of one host's transaction when Datastore aborts it for contention. */
  static final int TRANSACTION_ATTEMPTS = 5;

  private static final Logger log = LoggerFactory.getLogger(EpoxyHosts.class);

  private final Datastore datastore;
  private final String namespace;
  private final Duration retryBackoff;

  /** Hosts of kind Host in {@code namespace} ("ePoxy" in production) of the datastore's project. */
  public EpoxyHosts(Datastore datastore, String namespace) {
    this(datastore, namespace, Duration.ofMillis(200));
  }

  EpoxyHosts(Datastore datastore, String namespace, Duration retryBackoff) {
    this.datastore = Objects.requireNonNull(datastore, "datastore");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
  }

  /**
   * A client of {@code project}'s Datastore. A null {@code endpoint} is Google's, with Application
   * Default Credentials; otherwise a local endpoint such as {@code http://127.0.0.1:8081}, without
   * credentials. Both use the client's HTTP transport (protobuf bodies over HTTP/1.1).
   */
  public static EpoxyHosts connect(String project, String namespace, String endpoint) {
    if (project == null || project.isBlank()) {
      throw new IllegalArgumentException("a GCP project is required for ePoxy's Datastore");
    }
    DatastoreOptions.Builder options = DatastoreOptions.newBuilder()
        .setProjectId(project)
        // HTTP is the client's default; set it so that a change of default cannot move production and
        // the tests' local endpoint onto different transports.
        .setTransportOptions(DatastoreOptions.getDefaultHttpTransportOptions());
    if (endpoint != null) {
      options.setHost(endpoint).setCredentials(NoCredentials.getInstance());
    }
    return new EpoxyHosts(options.build().getService(), namespace);
  }

  /**
   * The pattern of host FQDNs to change. It matches a host when it is found anywhere in the FQDN, like
   * Go's {@code regexp.MatchString} in epoxy_admin: anchor it ({@code ^mlab[1-3]}) to mean a prefix.
   */
  public static Pattern hostPattern(String regex) {
    if (regex == null || regex.isBlank()) {
      throw new IllegalArgumentException("a host pattern is required, e.g. ^mlab[1-3] (an empty one would match"
          + " every ePoxy host)");
    }
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("not a valid host pattern '" + regex + "' (a Java regular expression): "
          + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""), e);
    }
  }

  /** The dry run of {@link #apply}: lists the hosts and writes nothing. */
  public HostsPlan plan(Pattern hostPattern, String imagesVersion) {
    Objects.requireNonNull(hostPattern, "hostPattern");
    requireVersion(imagesVersion);
    try {
      Sorted sorted = sort(list(), hostPattern, imagesVersion);
      return new HostsPlan(sorted.toChange(), sorted.unchanged(), sorted.leftOut());
    } catch (DatastoreException e) {
      throw translate(e);
    }
  }

  /**
   * Sets ImagesVersion to {@code imagesVersion} on every host whose FQDN matches {@code hostPattern}
   * and is not already at it, one transaction per host. {@code progress} is told about each matching
   * host once it is done (a line such as {@code "2/3 mlab2-lga03...: v2.4.30 -> v2.4.31"}); an
   * exception it throws stops the work and propagates, leaving the hosts not yet reached as they were.
   *
   * @throws ApplicationFailure non-retryable, of type {@value #PERMISSION_DENIED} when Datastore refuses
   *     the caller, or {@value #NO_HOSTS_MATCHED} when the pattern matches no host
   * @throws DatastoreException any other Datastore failure, including contention that outlasted
   *     {@value #TRANSACTION_ATTEMPTS} tries of one host's transaction: a retry of the whole call is safe
   */
  public HostsUpdate apply(Pattern hostPattern, String imagesVersion, Consumer<String> progress) {
    Objects.requireNonNull(hostPattern, "hostPattern");
    requireVersion(imagesVersion);
    Objects.requireNonNull(progress, "progress");
    try {
      Map<String, Listed> hosts = list();
      Sorted sorted = sort(hosts, hostPattern, imagesVersion);
      List<String> changed = new ArrayList<>();
      List<String> unchanged = new ArrayList<>(sorted.unchanged());
      List<String> leftOut = new ArrayList<>(sorted.leftOut());
      int matching = sorted.toChange().size() + sorted.unchanged().size();
      int done = 0;
      for (Map.Entry<String, Listed> entry : hosts.entrySet()) {
        String name = entry.getKey();
        Listed host = entry.getValue();
        if (!hostPattern.matcher(name).find()) {
          continue;
        }
        String line;
        if (imagesVersion.equals(host.imagesVersion())) {
          line = name + ": already at " + imagesVersion;
        } else {
          switch (update(host.key(), imagesVersion)) {
            case CHANGED -> {
              changed.add(name);
              line = name + ": " + describe(host.imagesVersion()) + " -> " + imagesVersion;
              log.info("ePoxy host {}: ImagesVersion {} -> {}", name, describe(host.imagesVersion()), imagesVersion);
            }
            case ALREADY_AT_VERSION -> {
              unchanged.add(name);
              line = name + ": already at " + imagesVersion + " (set meanwhile)";
            }
            default -> {
              leftOut.add(name);
              line = name + ": deleted meanwhile, left out";
              log.warn("ePoxy host {} was deleted between the listing and its update; left out", name);
            }
          }
        }
        progress.accept(++done + "/" + matching + " " + line);
      }
      unchanged.sort(null);
      leftOut.sort(null);
      return new HostsUpdate(changed, unchanged, leftOut);
    } catch (DatastoreException e) {
      throw translate(e);
    }
  }

  private enum Outcome { CHANGED, ALREADY_AT_VERSION, GONE }

  /** One host's read-check-write, in a transaction tried again when Datastore aborts it. */
  private Outcome update(Key key, String imagesVersion) {
    for (int attempt = 1; ; attempt++) {
      DatastoreException aborted;
      Transaction tx = datastore.newTransaction();
      try {
        Entity current = tx.get(key);
        if (current == null) {
          return Outcome.GONE;
        }
        if (imagesVersion.equals(imagesVersionOf(current))) {
          return Outcome.ALREADY_AT_VERSION;
        }
        tx.update(withImagesVersion(current, imagesVersion));
        tx.commit();
        return Outcome.CHANGED;
      } catch (DatastoreException e) {
        if (!isAborted(e) || attempt >= TRANSACTION_ATTEMPTS) {
          throw e;
        }
        aborted = e;
      } finally {
        rollbackQuietly(tx);
      }
      log.info("ePoxy host {}: transaction aborted ({}); try {} of {}", key.getNameOrId(), aborted.getMessage(),
          attempt + 1, TRANSACTION_ATTEMPTS);
      pause(attempt, aborted);
    }
  }

  /**
   * The entity with ImagesVersion set: the property keeps its exclude-from-indexes flag, or is added as an
   * indexed string; every other property is carried over as read.
   */
  static Entity withImagesVersion(Entity entity, String imagesVersion) {
    boolean excluded = entity.contains(IMAGES_VERSION) && entity.getValue(IMAGES_VERSION).excludeFromIndexes();
    return Entity.newBuilder(entity)
        .set(IMAGES_VERSION, StringValue.newBuilder(imagesVersion).setExcludeFromIndexes(excluded).build())
        .build();
  }

  private static String imagesVersionOf(Entity entity) {
    if (!entity.contains(IMAGES_VERSION)) {
      return null;
    }
    Value<?> value = entity.getValue(IMAGES_VERSION);
    return value.getType() == ValueType.STRING ? (String) value.get() : null;
  }

  private record Listed(Key key, String imagesVersion) {}

  private record Sorted(List<String> toChange, List<String> unchanged, List<String> leftOut) {}

  /** Every Host entity of the namespace, by FQDN, paged by cursor. */
  private Map<String, Listed> list() {
    Map<String, Listed> hosts = new TreeMap<>();
    Cursor cursor = null;
    while (true) {
      EntityQuery.Builder query = Query.newEntityQueryBuilder().setNamespace(namespace).setKind(KIND).setLimit(PAGE_SIZE);
      if (cursor != null) {
        query.setStartCursor(cursor);
      }
      QueryResults<Entity> page = datastore.run(query.build());
      int count = 0;
      while (page.hasNext()) {
        Entity entity = page.next();
        hosts.put(entity.getKey().getNameOrId().toString(), new Listed(entity.getKey(), imagesVersionOf(entity)));
        count++;
      }
      // MORE_RESULTS_AFTER_LIMIT: the page stopped at our limit; the client itself follows NOT_FINISHED
      // batches within a page.
      if (count == 0 || page.getMoreResults() != MoreResultsType.MORE_RESULTS_AFTER_LIMIT) {
        return hosts;
      }
      cursor = page.getCursorAfter();
    }
  }

  private Sorted sort(Map<String, Listed> hosts, Pattern hostPattern, String imagesVersion) {
    List<String> toChange = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    List<String> leftOut = new ArrayList<>();
    hosts.forEach((name, host) -> {
      if (!hostPattern.matcher(name).find()) {
        leftOut.add(name);
      } else if (imagesVersion.equals(host.imagesVersion())) {
        unchanged.add(name);
      } else {
        toChange.add(name);
      }
    });
    if (toChange.isEmpty() && unchanged.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("no ePoxy host matches the pattern '" + hostPattern.pattern()
          + "' in namespace " + namespace + " of project " + project() + " (" + Text.count(hosts.size(), "host") + " of kind "
          + KIND + (hosts.size() == 1 ? " exists" : " exist") + " there); refusing to change nothing: check the pattern", NO_HOSTS_MATCHED);
    }
    return new Sorted(toChange, unchanged, leftOut);
  }

  private RuntimeException translate(DatastoreException e) {
    if ("PERMISSION_DENIED".equals(e.getReason()) || e.getCode() == Code.PERMISSION_DENIED_VALUE) {
      return ApplicationFailure.newNonRetryableFailureWithCause("Datastore denied access to the ePoxy hosts (namespace "
          + namespace + ", kind " + KIND + ") of project " + project() + ": the worker's service account needs "
          + REQUIRED_ROLE + " on " + project() + " (" + e.getMessage() + ")", PERMISSION_DENIED, e);
    }
    return e;
  }

  private static boolean isAborted(DatastoreException e) {
    return "ABORTED".equals(e.getReason()) || e.getCode() == Code.ABORTED_VALUE;
  }

  private void pause(int attempt, DatastoreException cause) {
    long base = retryBackoff.toMillis() * (1L << Math.min(attempt - 1, 4));
    if (base <= 0) {
      return;
    }
    try {
      Thread.sleep(base + ThreadLocalRandom.current().nextLong(base));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cause;
    }
  }

  private static void rollbackQuietly(Transaction tx) {
    try {
      if (tx.isActive()) {
        tx.rollback();
      }
    } catch (DatastoreException e) {
      log.debug("rollback of an ePoxy host transaction failed (it expires by itself)", e);
    }
  }

  private String project() {
    return datastore.getOptions().getProjectId();
  }

  private static String describe(String imagesVersion) {
    return imagesVersion == null ? "(none)" : imagesVersion;
  }

  private static void requireVersion(String imagesVersion) {
    if (imagesVersion == null || imagesVersion.isBlank()) {
      throw new IllegalArgumentException("an epoxy-images version (a tag such as v2.4.31) is required");
    }
  }
}
