package org.fleetupgrade.reboot.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reboot-api trigger against a JDK HTTP server on 127.0.0.1 playing m-lab/reboot-service. */
class RebootApiTriggerTest {

  private static final String NODE = "mlab2-lga03.mlab-oti.measurement-lab.org";

  /** What the service received. */
  record Request(String method, String path, String rawQuery, String authorization) {}

  @TempDir
  Path dir;

  private HttpServer server;
  private final List<Request> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile int status = 200;
  private volatile byte[] body = "System reboot successful".getBytes(StandardCharsets.UTF_8);
  private volatile boolean hold;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/", exchange -> {
      received.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
          exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Authorization")));
      if (hold) {
        try {
          released.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      } catch (IOException ignored) {
        // the client gave up on a held request
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    released.countDown();
    server.stop(0);
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void answer(int code, String text) {
    status = code;
    body = text.getBytes(StandardCharsets.UTF_8);
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void postsTheHostWithMethodHostAndBasicAuthFromAFile() throws Exception {
    // Given a service that reboots and the password in a file, as a Kubernetes secret mounts it
    Path secret = Files.writeString(dir.resolve("password"), "s3cret:with colon\n");
    RebootTrigger api = new RebootApiTrigger(new RebootApiSettings(URI.create(base() + "/"), "fleet-upgrade", secret,
        null, null));

    // When the reboot is triggered
    TriggerResult result = api.trigger(NODE);

    // Then the service saw a POST to /v1/reboot for the host by SSH, with basic auth
    assertThat(received).containsExactly(new Request("POST", "/v1/reboot",
        "host=mlab2-lga03.mlab-oti.measurement-lab.org&method=host", basic("fleet-upgrade", "s3cret:with colon")));
    assertThat(result).isEqualTo(new TriggerResult(NODE, "reboot-api", "reboot-api: HTTP 200: System reboot successful"));
  }

  @Test
  void takesThePasswordFromTheNamedEnvironmentVariable() {
    // Given the password in an environment variable
    RebootApiSettings settings = new RebootApiSettings(base(), "fleet-upgrade", null, "REBOOT_API_PASSWORD", null);
    RebootTrigger api = new RebootApiTrigger(settings, Map.of("REBOOT_API_PASSWORD", "from-env")::get);

    // When the reboot is triggered
    api.trigger(NODE);

    // Then the Authorization header carries it
    assertThat(received).singleElement()
        .satisfies(r -> assertThat(r.authorization()).isEqualTo(basic("fleet-upgrade", "from-env")));
  }

  @Test
  void sendsNoAuthorizationWhenNoUserIsConfigured() {
    // Given a service without authentication (the service's development mode) under a path prefix
    RebootTrigger api = new RebootApiTrigger(RebootApiSettings.of(URI.create(base() + "/reboot-api")));

    // When the reboot is triggered
    api.trigger(NODE);

    // Then no credentials are sent, and the prefix is kept
    assertThat(received).singleElement().satisfies(r -> {
      assertThat(r.path()).isEqualTo("/reboot-api/v1/reboot");
      assertThat(r.authorization()).isNull();
    });
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 405})
  void aClientErrorIsNonRetryableAndNamesNodeAndBody(int code) {
    // Given a service that refuses the request
    answer(code, "The specified hostname is not a valid M-Lab node: " + NODE);

    // When the reboot is triggered
    assertThatThrownBy(() -> new RebootApiTrigger(RebootApiSettings.of(base())).trigger(NODE))
        // Then it fails for good, naming the node, the status and the body
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(RebootFailures.REBOOT_REFUSED);
          assertThat(f.getOriginalMessage()).startsWith(NODE + ": the reboot API refused: HTTP " + code
              + ": The specified hostname is not a valid M-Lab node: " + NODE);
        });
  }

  @Test
  void theBodyInAFailureIsTruncatedAndStrippedOfNonPrintableBytes() {
    // Given a service answering 403 with terminal escapes, NULs, invalid UTF-8 and a long tail
    byte[] head = "\u001b[31mforbidden\u0000 \u202Euser\r\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {(byte) 0xff, (byte) 0xfe};
    byte[] tail = "x".repeat(5000).getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[head.length + bad.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(bad, 0, all, head.length, bad.length);
    System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
    status = 403;
    body = all;

    // When the reboot is triggered
    assertThatThrownBy(() -> new RebootApiTrigger(RebootApiSettings.of(base())).trigger(NODE))
        // Then the body is printable, on one line, and cut
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          String message = f.getOriginalMessage();
          assertThat(message).contains("HTTP 403: [31mforbidden user " + "x".repeat(10));
          assertThat(message).doesNotContain("\u001b", "\u0000", "\u202E", "\uFFFD", "\r", "\n");
          assertThat(message).contains("x".repeat(ResponseText.MAX_CHARS - "[31mforbidden user ".length()) + "...")
              .doesNotContain("x".repeat(ResponseText.MAX_CHARS));
        });
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 503})
  void aServerErrorIsRetryableAndWarnsThatTheNodeMayBeRebooting(int code) {
    // Given a service that fails behind the request
    answer(code, "Reboot failed: wait: remote command exited without exit status or exit signal");

    // When the reboot is triggered
    assertThatThrownBy(() -> new RebootApiTrigger(RebootApiSettings.of(base())).trigger(NODE))
        // Then the failure is retryable, with the body and the bootID warning
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isFalse();
          assertThat(f.getType()).isEqualTo(RebootFailures.REBOOT_SERVICE_UNAVAILABLE);
          assertThat(f.getOriginalMessage()).contains(NODE, "HTTP " + code + ": Reboot failed: wait: remote command",
              "compare the node's bootID");
        });
  }

  @Test
  void aRefusedConnectionIsRetryable() {
    // Given no service listening
    RebootTrigger api = new RebootApiTrigger(RebootApiSettings.of(base()));
    server.stop(0);

    // When the reboot is triggered
    assertThatThrownBy(() -> api.trigger(NODE))
        // Then the failure is retryable
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isFalse();
          assertThat(f.getType()).isEqualTo(RebootFailures.REBOOT_SERVICE_UNAVAILABLE);
          assertThat(f.getOriginalMessage()).contains(NODE, "cannot reach the reboot API", "connection refused");
        });
  }

  @Test
  void noAnswerWithinTheTimeoutIsRetryable() {
    // Given a service that holds the request past the client's timeout
    hold = true;
    RebootTrigger api = new RebootApiTrigger(new RebootApiSettings(base(), null, null, null, Duration.ofMillis(300)));

    // When the reboot is triggered
    assertThatThrownBy(() -> api.trigger(NODE))
        // Then the failure is retryable and warns that the service may still reboot the node
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isFalse();
          assertThat(f.getOriginalMessage()).contains("did not answer within 300ms", "compare the node's bootID");
        });
  }

  @Test
  void aRedirectIsNotFollowed() {
    // Given a service address that redirects (e.g. http to https)
    answer(301, "");

    // When the reboot is triggered
    assertThatThrownBy(() -> new RebootApiTrigger(RebootApiSettings.of(base())).trigger(NODE))
        // Then the POST is not replayed elsewhere and the failure is for good
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getOriginalMessage()).contains("HTTP 301", "check the reboot API URL");
        });
    assertThat(received).hasSize(1);
  }

  @Test
  void aNameThatIsNotAHostNameIsNeverSent() {
    // Given a working service
    RebootTrigger api = new RebootApiTrigger(RebootApiSettings.of(base()));

    // When the name to reboot would change the query
    assertThatThrownBy(() -> api.trigger(NODE + "&method=bmc"))
        // Then it fails for good and nothing was sent
        .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(RebootFailures.NOT_A_HOST_NAME);
        });
    assertThat(received).isEmpty();
  }

  @Test
  void settingsRefuseCredentialsInClearAndIncompletePasswordSources() {
    // Given credentials, When the URL is plain http to a remote host, Then the settings are refused
    assertThatThrownBy(() -> new RebootApiSettings(URI.create("http://reboot-api.example.org"), "u", null, "P", null))
        .hasMessageContaining("use https");
    // When both or neither password source is named, Then they are refused
    assertThatThrownBy(() -> new RebootApiSettings(URI.create("https://r.example.org"), "u", dir, "P", null))
        .hasMessageContaining("exactly one of passwordFile and passwordEnv");
    assertThatThrownBy(() -> new RebootApiSettings(URI.create("https://r.example.org"), "u", null, null, null))
        .hasMessageContaining("exactly one of passwordFile and passwordEnv");
    // When the URL carries a query or credentials, Then it is refused
    assertThatThrownBy(() -> RebootApiSettings.of(URI.create("https://u:p@r.example.org")))
        .hasMessageContaining("no user, query or fragment");
    // When the variable is unset or the file missing, Then the trigger does not start
    assertThatThrownBy(() -> new RebootApiTrigger(new RebootApiSettings(URI.create("https://r.example.org"), "u", null,
        "UNSET", null), name -> null)).hasMessageContaining("empty or unset (variable UNSET)");
    assertThatThrownBy(() -> new RebootApiTrigger(new RebootApiSettings(URI.create("https://r.example.org"), "u",
        dir.resolve("missing"), null, null))).hasMessageContaining("is not readable");
    // And the default timeout is 30 s
    assertThat(RebootApiSettings.of(URI.create("https://r.example.org")).timeout()).isEqualTo(Duration.ofSeconds(30));
  }
}
