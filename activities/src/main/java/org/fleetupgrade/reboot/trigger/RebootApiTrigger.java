package org.fleetupgrade.reboot.trigger;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.function.Function;
import org.fleetupgrade.status.Text;

/**
 * Reboots a node through M-Lab's reboot service (m-lab/reboot-service): {@code POST
 * <base>/v1/reboot?host=<fqdn>&method=host}. The service then logs in to the node as its
 * {@code reboot-api} user, whose key is bound to {@code sudo /usr/bin/systemctl reboot -i}.
 * {@code method=host} is always sent: without it the service power-cycles the node through its BMC.
 *
 * <p>The service answers 200 "System reboot successful", 400 for a missing or non-M-Lab host name,
 * 401 for wrong credentials, 405 for anything but POST, and 500 "Reboot failed: ..." for every
 * failure behind it, including an SSH session the reboot ended before its exit status: a 500 may
 * hide a reboot that happened. It does not stop a reboot when the client goes away, either.
 */
public final class RebootApiTrigger implements RebootTrigger {

  static final String PATH = "/v1/reboot";
  /** The service's default when method is absent is "bmc", a power cycle: never rely on it. */
  static final String HOST_METHOD = "host";

  private final RebootApiSettings settings;
  private final String endpoint;
  private final String authorization;
  private final HttpClient http;

  public RebootApiTrigger(RebootApiSettings settings) {
    this(settings, System::getenv);
  }

  /** With {@code environment} standing for the process environment (tests). */
  RebootApiTrigger(RebootApiSettings settings, Function<String, String> environment) {
    this.settings = settings;
    String base = settings.baseUrl().toString();
    this.endpoint = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + PATH;
    this.authorization = settings.authenticated()
        ? "Basic " + Base64.getEncoder().encodeToString((settings.username() + ":" + password(settings, environment))
            .getBytes(StandardCharsets.UTF_8))
        : null;
    // No redirects: a POST that reboots must not be replayed to an address nobody configured.
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** Read once, at start: a missing secret fails the worker's start, not a wave. */
  private static String password(RebootApiSettings settings, Function<String, String> environment) {
    String password;
    if (settings.passwordFile() != null) {
      try {
        password = Files.readString(settings.passwordFile(), StandardCharsets.UTF_8).replaceAll("[\r\n]+$", "");
      } catch (IOException e) {
        throw new UncheckedIOException("reboot API password file " + settings.passwordFile() + " is not readable", e);
      }
    } else {
      password = environment.apply(settings.passwordEnv());
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("reboot API password is empty or unset ("
          + (settings.passwordFile() != null ? "file " + settings.passwordFile() : "variable " + settings.passwordEnv())
          + ")");
    }
    return password;
  }

  @Override
  public TriggerResult trigger(String node) {
    RebootFailures.requireHostName(node);
    URI uri = URI.create(endpoint + "?host=" + URLEncoder.encode(node, StandardCharsets.UTF_8) + "&method=" + HOST_METHOD);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(settings.timeout())
        .header("User-Agent", "fleet-upgrade")
        .POST(HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    int status;
    String body;
    try {
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      status = response.statusCode();
      body = ResponseText.read(response.body());
    } catch (HttpConnectTimeoutException e) {
      throw ApplicationFailure.newFailure(node + ": cannot reach the reboot API at " + endpoint + ": no connection"
          + " within " + Text.duration(settings.timeout()), RebootFailures.REBOOT_SERVICE_UNAVAILABLE);
    } catch (HttpTimeoutException e) {
      throw ApplicationFailure.newFailure(node + ": the reboot API at " + endpoint + " did not answer within "
          + Text.duration(settings.timeout()) + "; the service goes on with a request it received: compare the node's bootID"
          + " before triggering again", RebootFailures.REBOOT_SERVICE_UNAVAILABLE);
    } catch (IOException e) {
      String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
      throw ApplicationFailure.newFailure(node + ": cannot reach the reboot API at " + endpoint + ": " + why,
          RebootFailures.REBOOT_SERVICE_UNAVAILABLE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure(node + ": interrupted while asking the reboot API",
          RebootFailures.REBOOT_SERVICE_UNAVAILABLE);
    }
    return answer(node, status, body);
  }

  private TriggerResult answer(String node, int status, String body) {
    String said = "HTTP " + status + (body.isEmpty() ? "" : ": " + body);
    if (status >= 200 && status < 300) {
      return new TriggerResult(node, method(), "reboot-api: " + said);
    }
    if (status >= 500) {
      throw ApplicationFailure.newFailure(node + ": the reboot API answered " + said + " (the service also answers"
          + " 500 when the reboot ended its SSH session early: compare the node's bootID before triggering again)",
          RebootFailures.REBOOT_SERVICE_UNAVAILABLE);
    }
    String hint = switch (status) {
      case 401, 403 -> "; check the reboot API username and password";
      case 400 -> "; the service only reboots M-Lab host names it can parse";
      case 404, 405 -> "; check the reboot API URL";
      default -> status < 400 ? "; the service does not redirect: check the reboot API URL" : "";
    };
    throw ApplicationFailure.newNonRetryableFailure(node + ": the reboot API refused: " + said + hint,
        RebootFailures.REBOOT_REFUSED);
  }

  @Override
  public String method() {
    return RebootMethod.REBOOT_API.configName();
  }
}
