package org.fleetupgrade.images.cloudbuild;

import com.google.cloudbuild.v1.Build;
import com.google.cloudbuild.v1.ListBuildsResponse;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local Cloud Build for the real CloudBuildClient: serves ListBuilds and GetBuild on the REST
 * paths the HTTP/JSON transport calls (and their /locations/ forms), with each build scripted as a
 * sequence of states that moves one step per GET. Requests are recorded for assertions.
 */
public final class LocalCloudBuild implements AutoCloseable {

  /** One request as received: {@code location} is projects/P or projects/P/locations/R. */
  record Request(String transport, String location, String path, Map<String, String> query, String routing) {
    String filter() {
      return query.get("filter");
    }
  }

  private static final Pattern LIST = Pattern.compile("/v1/(projects/[^/]+(?:/locations/[^/]+)?)/builds");
  private static final Pattern GET = Pattern.compile("/v1/(projects/[^/]+(?:/locations/[^/]+)?)/builds/([^/]+)");
  private static final Pattern TRIGGER = Pattern.compile("trigger_id=\"([^\"]*)\"");
  private static final Pattern CREATED = Pattern.compile("create_time>=\"([^\"]*)\"");

  static {
    // Without it the JDK server's header and body writes meet Nagle and delayed ACK: ~40 ms a request.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final Map<String, List<Deque<Build>>> builds = new LinkedHashMap<>();
  private final List<Request> requests = new ArrayList<>();
  private final Deque<Integer> failures = new ArrayDeque<>();
  private int pageSize = 50;
  private java.util.function.Consumer<LocalCloudBuild> beforeList = server -> { };

  public LocalCloudBuild() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::serve);
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** A build in {@code location} whose later states are {@code first} with each of {@code later} statuses. */
  public synchronized void add(String location, Build first, Build.Status... later) {
    List<Build> states = new ArrayList<>(List.of(first));
    for (Build.Status status : later) {
      states.add(first.toBuilder().setStatus(status).build());
    }
    add(location, states);
  }

  /** A build in {@code location} that is listed as the first state and moves one state on per GET. */
  public synchronized void add(String location, List<Build> states) {
    builds.computeIfAbsent(location, l -> new ArrayList<>()).add(new ArrayDeque<>(states));
  }

  /** Runs before each ListBuilds: a test plays a trigger there, adding a build for what was pushed. */
  public synchronized void beforeList(java.util.function.Consumer<LocalCloudBuild> hook) {
    beforeList = hook;
  }

  /** How many builds one ListBuilds page holds (the client asks for more; a server may send fewer). */
  synchronized void pageSize(int size) {
    pageSize = size;
  }

  /** The next {@code count} requests are answered with {@code httpStatus} and a Google API error body. */
  synchronized void failNext(int count, int httpStatus) {
    for (int i = 0; i < count; i++) {
      failures.add(httpStatus);
    }
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  synchronized List<String> filters() {
    return requests.stream().map(Request::filter).filter(f -> f != null).toList();
  }

  synchronized void record(Request request) {
    requests.add(request);
  }

  /** One ListBuilds page of {@code location}, newest first, after the trigger and create-time terms of {@code filter}. */
  synchronized ListBuildsResponse list(String location, String filter, String pageToken) {
    beforeList.accept(this);
    List<Build> matching = builds.getOrDefault(location, List.of()).stream()
        .map(Deque::peekFirst)
        .filter(build -> matches(build, filter))
        .sorted(Comparator.comparing((Build build) -> instant(build.getCreateTime())).reversed())
        .toList();
    int from = pageToken == null || pageToken.isEmpty() ? 0 : Integer.parseInt(pageToken);
    int to = Math.min(matching.size(), from + pageSize);
    ListBuildsResponse.Builder page = ListBuildsResponse.newBuilder().addAllBuilds(matching.subList(from, to));
    if (to < matching.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    return page.build();
  }

  /** The build's next state (its last one stays), or null when {@code location} has no such build. */
  public synchronized Build get(String location, String id) {
    for (Deque<Build> states : builds.getOrDefault(location, List.of())) {
      if (states.peekFirst().getId().equals(id)) {
        if (states.size() > 1) {
          states.removeFirst();
        }
        return states.peekFirst();
      }
    }
    return null;
  }

  synchronized Integer nextFailure() {
    return failures.pollFirst();
  }

  private static boolean matches(Build build, String filter) {
    if (filter == null) {
      return true;
    }
    Matcher trigger = TRIGGER.matcher(filter);
    Matcher created = CREATED.matcher(filter);
    return (!trigger.find() || trigger.group(1).equals(build.getBuildTriggerId()))
        && (!created.find() || !instant(build.getCreateTime()).isBefore(Instant.parse(created.group(1))));
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  private void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    Matcher list = LIST.matcher(path);
    Matcher get = GET.matcher(path);
    String location = list.matches() ? list.group(1) : get.matches() ? get.group(1) : null;
    record(new Request("http", location, path, query,
        exchange.getRequestHeaders().getFirst("x-goog-request-params")));
    Integer failure = nextFailure();
    Build build = failure == null && get.matches() ? get(location, get.group(2)) : null;
    if (failure != null) {
      error(exchange, failure, switch (failure) {
        case 403 -> "PERMISSION_DENIED";
        case 404 -> "NOT_FOUND";
        case 429 -> "RESOURCE_EXHAUSTED";
        case 500 -> "INTERNAL";
        default -> "UNAVAILABLE";
      }, "scripted failure");
    } else if (list.matches()) {
      json(exchange, 200, print(list(location, query.get("filter"), query.get("pageToken"))));
    } else if (build != null) {
      json(exchange, 200, print(build));
    } else {
      error(exchange, 404, "NOT_FOUND", "no " + path);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new LinkedHashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        query.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    return query;
  }

  // The client asks for $alt=json;enum-encoding=int, so enums go out as numbers, as Google sends them.
  private static String print(com.google.protobuf.MessageOrBuilder message) throws IOException {
    return JsonFormat.printer().printingEnumsAsInts().print(message);
  }

  private static void error(HttpExchange exchange, int code, String status, String message) throws IOException {
    json(exchange, code, "{\"error\": {\"code\": " + code + ", \"message\": \"" + message + "\", \"status\": \""
        + status + "\"}}");
  }

  private static void json(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
