package org.fleetupgrade.images.epoxy;

import com.google.datastore.v1.BeginTransactionRequest;
import com.google.datastore.v1.BeginTransactionResponse;
import com.google.datastore.v1.CommitRequest;
import com.google.datastore.v1.CommitResponse;
import com.google.datastore.v1.Entity;
import com.google.datastore.v1.EntityResult;
import com.google.datastore.v1.Key;
import com.google.datastore.v1.LookupRequest;
import com.google.datastore.v1.LookupResponse;
import com.google.datastore.v1.Mutation;
import com.google.datastore.v1.MutationResult;
import com.google.datastore.v1.PartitionId;
import com.google.datastore.v1.Query;
import com.google.datastore.v1.QueryResultBatch;
import com.google.datastore.v1.QueryResultBatch.MoreResultsType;
import com.google.datastore.v1.RollbackRequest;
import com.google.datastore.v1.RollbackResponse;
import com.google.datastore.v1.RunQueryRequest;
import com.google.datastore.v1.RunQueryResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.Status;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local Cloud Datastore speaking what the real google-cloud-datastore client sends over its default
 * HTTP transport: {@code POST /v1/projects/PROJECT:METHOD} with {@code application/x-protobuf} bodies
 * (the v1 request messages), answered with the matching response messages, and failures as a
 * {@code com.google.rpc.Status} protobuf body with a non-2xx status.
 *
 * <p>Supports what {@link EpoxyHosts} needs, and says so loudly for anything else: kind queries in a
 * namespace in key order, with a limit and cursors ({@value #BATCH_SIZE} results at most per batch,
 * as NOT_FINISHED, so the client's own batch following is exercised too), lookups by key, read-write
 * transactions, and commits of upserts, updates and inserts. Transactions are optimistic: a commit
 * fails with ABORTED when an entity it writes was looked up in the transaction and changed by
 * anyone since. Entities are kept as the protos the client sent; writes are counted per key name.
 */
public final class LocalDatastore implements AutoCloseable {

  /** The most results one runQuery answer carries, whatever the query's limit. */
  static final int BATCH_SIZE = 300;

  private static final Pattern PATH = Pattern.compile("/v1/projects/([^/:]+):([A-Za-z]+)");

  private record Stored(Entity entity, long version) {}

  private final HttpServer server;
  /** By namespace, then kind, then key name. */
  private final Map<String, Map<String, NavigableMap<String, Stored>>> entities = new HashMap<>();
  /** Open transactions: the version of each key (0 = missing) as their lookups saw it. */
  private final Map<ByteString, Map<String, Long>> transactions = new HashMap<>();
  /** Transactions whose commit failed: the client still rolls them back, and that succeeds. */
  private final Set<ByteString> failed = new HashSet<>();
  private final Map<String, Integer> writes = new HashMap<>();
  private final Map<String, Integer> calls = new HashMap<>();
  private final AtomicLong versions = new AtomicLong();
  private final AtomicLong transactionIds = new AtomicLong();
  private final Deque<Consumer<CommitRequest>> beforeCommits = new ArrayDeque<>();
  private Code denyAll;

  public LocalDatastore() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The endpoint for {@code DatastoreOptions.Builder.setHost}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Stores {@code entity} as it is, as a write by someone else (not counted in {@link #writes}). */
  public synchronized void put(Entity entity) {
    Key key = entity.getKey();
    Key.PathElement last = key.getPath(key.getPathCount() - 1);
    entities.computeIfAbsent(key.getPartitionId().getNamespaceId(), n -> new HashMap<>())
        .computeIfAbsent(last.getKind(), k -> new TreeMap<>())
        .put(last.getName(), new Stored(entity, versions.incrementAndGet()));
  }

  /** The stored entity, or null. */
  public synchronized Entity get(String namespace, String kind, String name) {
    Stored stored = entities.getOrDefault(namespace, Map.of()).getOrDefault(kind, new TreeMap<>()).get(name);
    return stored == null ? null : stored.entity();
  }

  /** How many committed mutations wrote the entity named {@code name}. */
  public synchronized int writes(String name) {
    return writes.getOrDefault(name, 0);
  }

  synchronized int totalWrites() {
    return writes.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** How many requests of {@code method} (runQuery, lookup, beginTransaction, commit, rollback) came. */
  synchronized int calls(String method) {
    return calls.getOrDefault(method, 0);
  }

  /**
   * Runs {@code action} once, when a commit arrives and before it is checked: each commit takes the
   * oldest action not yet run, so n calls interleave with the next n commits.
   */
  public synchronized void beforeCommit(Consumer<CommitRequest> action) {
    beforeCommits.add(action);
  }

  /** Answers every request with {@code code} from now on (e.g. PERMISSION_DENIED). */
  synchronized void denyAll(Code code) {
    denyAll = code;
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Matcher path = PATH.matcher(exchange.getRequestURI().getPath());
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      if (!"POST".equals(exchange.getRequestMethod()) || !path.matches()
          || contentType == null || !contentType.startsWith("application/x-protobuf")) {
        fail(exchange, 404, Code.NOT_FOUND, "LocalDatastore: no " + exchange.getRequestMethod() + " "
            + exchange.getRequestURI() + " (" + contentType + ")");
        return;
      }
      Message response;
      try {
        response = answer(path.group(1), path.group(2), body);
      } catch (Failure f) {
        fail(exchange, httpStatus(f.code), f.code, f.getMessage());
        return;
      }
      byte[] bytes = response.toByteArray();
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      // A connection per request: on a kept-alive one, the JDK server's separate writes of headers and
      // body meet the client's delayed ACK (Nagle), and each call takes 40 ms.
      exchange.getResponseHeaders().add("Connection", "close");
      exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private synchronized Message answer(String project, String method, byte[] body) throws InvalidProtocolBufferException {
    calls.merge(method, 1, Integer::sum);
    if (denyAll != null) {
      throw new Failure(denyAll, "LocalDatastore denies " + method + " on project " + project);
    }
    return switch (method) {
      case "runQuery" -> runQuery(RunQueryRequest.parseFrom(body));
      case "lookup" -> lookup(LookupRequest.parseFrom(body));
      case "beginTransaction" -> beginTransaction(BeginTransactionRequest.parseFrom(body));
      case "commit" -> commit(CommitRequest.parseFrom(body));
      case "rollback" -> rollback(RollbackRequest.parseFrom(body));
      default -> throw new Failure(Code.UNIMPLEMENTED, "LocalDatastore does not implement " + method);
    };
  }

  private RunQueryResponse runQuery(RunQueryRequest request) {
    if (!request.hasQuery()) {
      throw new Failure(Code.UNIMPLEMENTED, "LocalDatastore runs structured queries only, not " + request.getQueryTypeCase());
    }
    Query query = request.getQuery();
    if (query.getKindCount() != 1 || query.hasFilter() || query.getOrderCount() > 0 || query.getProjectionCount() > 0
        || query.getDistinctOnCount() > 0 || query.getOffset() > 0 || !query.getEndCursor().isEmpty()
        || request.hasReadOptions()) {
      throw new Failure(Code.UNIMPLEMENTED, "LocalDatastore runs plain kind queries only, not " + query);
    }
    NavigableMap<String, Stored> kind = entities.getOrDefault(request.getPartitionId().getNamespaceId(), Map.of())
        .getOrDefault(query.getKind(0).getName(), new TreeMap<>());
    NavigableMap<String, Stored> rest = query.getStartCursor().isEmpty()
        ? kind : kind.tailMap(query.getStartCursor().toStringUtf8(), false);
    int limit = query.hasLimit() ? query.getLimit().getValue() : Integer.MAX_VALUE;
    QueryResultBatch.Builder batch = QueryResultBatch.newBuilder()
        .setEntityResultType(EntityResult.ResultType.FULL)
        .setSkippedResults(0);
    ByteString cursor = query.getStartCursor();
    int count = 0;
    for (Map.Entry<String, Stored> e : rest.entrySet()) {
      if (count == limit || count == BATCH_SIZE) {
        break;
      }
      cursor = ByteString.copyFromUtf8(e.getKey());
      batch.addEntityResults(EntityResult.newBuilder().setEntity(e.getValue().entity())
          .setVersion(e.getValue().version()).setCursor(cursor));
      count++;
    }
    boolean more = rest.size() > count;
    batch.setEndCursor(cursor).setMoreResults(!more ? MoreResultsType.NO_MORE_RESULTS
        : count == limit ? MoreResultsType.MORE_RESULTS_AFTER_LIMIT : MoreResultsType.NOT_FINISHED);
    return RunQueryResponse.newBuilder().setBatch(batch).setQuery(query).build();
  }

  private LookupResponse lookup(LookupRequest request) {
    Map<String, Long> seen = null;
    if (request.hasReadOptions()) {
      switch (request.getReadOptions().getConsistencyTypeCase()) {
        case TRANSACTION -> seen = transaction(request.getReadOptions().getTransaction());
        case CONSISTENCYTYPE_NOT_SET, READ_CONSISTENCY -> { }
        default -> throw new Failure(Code.UNIMPLEMENTED, "LocalDatastore: no read options " + request.getReadOptions());
      }
    }
    LookupResponse.Builder response = LookupResponse.newBuilder();
    for (Key key : request.getKeysList()) {
      Stored stored = stored(key);
      if (seen != null) {
        seen.putIfAbsent(id(key), stored == null ? 0 : stored.version());
      }
      if (stored == null) {
        response.addMissing(EntityResult.newBuilder().setEntity(Entity.newBuilder().setKey(key)).setVersion(0));
      } else {
        response.addFound(EntityResult.newBuilder().setEntity(stored.entity()).setVersion(stored.version()));
      }
    }
    return response.build();
  }

  private BeginTransactionResponse beginTransaction(BeginTransactionRequest request) {
    if (request.hasTransactionOptions() && request.getTransactionOptions().hasReadOnly()) {
      throw new Failure(Code.UNIMPLEMENTED, "LocalDatastore has read-write transactions only");
    }
    ByteString id = ByteString.copyFromUtf8("tx-" + transactionIds.incrementAndGet());
    transactions.put(id, new HashMap<>());
    return BeginTransactionResponse.newBuilder().setTransaction(id).build();
  }

  private CommitResponse commit(CommitRequest request) {
    Consumer<CommitRequest> action = beforeCommits.poll();
    if (action != null) {
      action.accept(request);
    }
    Map<String, Long> seen = Map.of();
    if (request.getMode() == CommitRequest.Mode.TRANSACTIONAL) {
      seen = transaction(request.getTransaction());
      transactions.remove(request.getTransaction());
      failed.add(request.getTransaction());
    }
    // Check every mutation before applying any: a commit is all or nothing.
    for (Mutation mutation : request.getMutationsList()) {
      Entity entity = switch (mutation.getOperationCase()) {
        case UPSERT -> mutation.getUpsert();
        case UPDATE -> mutation.getUpdate();
        case INSERT -> mutation.getInsert();
        default -> throw new Failure(Code.UNIMPLEMENTED, "LocalDatastore: no " + mutation.getOperationCase() + " mutations");
      };
      Key key = entity.getKey();
      if (key.getPathCount() == 0 || key.getPath(key.getPathCount() - 1).getName().isEmpty()) {
        throw new Failure(Code.INVALID_ARGUMENT, "LocalDatastore keeps named keys only: " + key);
      }
      Stored stored = stored(key);
      Long read = seen.get(id(key));
      if (read != null && read != (stored == null ? 0 : stored.version())) {
        throw new Failure(Code.ABORTED, "too much contention on these datastore entities. please try again. entity: "
            + id(key));
      }
      if (mutation.hasUpdate() && stored == null) {
        throw new Failure(Code.NOT_FOUND, "no entity to update: " + id(key));
      }
      if (mutation.hasInsert() && stored != null) {
        throw new Failure(Code.ALREADY_EXISTS, "entity already exists: " + id(key));
      }
    }
    failed.remove(request.getTransaction());
    CommitResponse.Builder response = CommitResponse.newBuilder().setIndexUpdates(0);
    for (Mutation mutation : request.getMutationsList()) {
      Entity entity = mutation.hasUpsert() ? mutation.getUpsert() : mutation.hasUpdate() ? mutation.getUpdate() : mutation.getInsert();
      put(entity);
      Key key = entity.getKey();
      writes.merge(key.getPath(key.getPathCount() - 1).getName(), 1, Integer::sum);
      response.addMutationResults(MutationResult.newBuilder().setVersion(stored(key).version()));
    }
    return response.build();
  }

  private RollbackResponse rollback(RollbackRequest request) {
    if (failed.remove(request.getTransaction())) {
      return RollbackResponse.getDefaultInstance();
    }
    transaction(request.getTransaction());
    transactions.remove(request.getTransaction());
    return RollbackResponse.getDefaultInstance();
  }

  private Map<String, Long> transaction(ByteString id) {
    Map<String, Long> seen = transactions.get(id);
    if (seen == null) {
      throw new Failure(Code.INVALID_ARGUMENT, "transaction " + id.toStringUtf8() + " is not open (committed, rolled"
          + " back or unknown)");
    }
    return seen;
  }

  private Stored stored(Key key) {
    Key.PathElement last = key.getPath(key.getPathCount() - 1);
    return entities.getOrDefault(key.getPartitionId().getNamespaceId(), Map.of())
        .getOrDefault(last.getKind(), new TreeMap<>()).get(last.getName());
  }

  private static String id(Key key) {
    PartitionId partition = key.getPartitionId();
    Key.PathElement last = key.getPath(key.getPathCount() - 1);
    return partition.getNamespaceId() + "/" + last.getKind() + "/" + last.getName();
  }

  private static int httpStatus(Code code) {
    return switch (code) {
      case ABORTED, ALREADY_EXISTS -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case NOT_FOUND -> 404;
      case INVALID_ARGUMENT, FAILED_PRECONDITION -> 400;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      default -> 500;
    };
  }

  private static void fail(HttpExchange exchange, int status, Code code, String message) throws IOException {
    byte[] bytes = Status.newBuilder().setCode(code.getNumber()).setMessage(message).build().toByteArray();
    exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
    exchange.getResponseHeaders().add("Connection", "close");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
    if (code == Code.UNIMPLEMENTED || code == Code.INVALID_ARGUMENT) {
      System.err.println("LocalDatastore: " + message);
    }
  }

  /** A failure answered as a Status. */
  private static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Code code;

    Failure(Code code, String message) {
      super(message);
      this.code = code;
    }
  }
}
