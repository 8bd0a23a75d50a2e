package org.fleetupgrade.reboot.trigger;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Where M-Lab's reboot service runs and how to log in to it. The service (m-lab/reboot-service)
 * protects /v1/reboot with HTTP basic auth when started with -auth.username and -auth.password, and
 * with nothing otherwise (development only). The password is never in the configuration: it is read
 * from {@code passwordFile} or from the environment variable {@code passwordEnv}, exactly one of them.
 * {@code username} null means no authentication. Credentials are only sent over https, except to a
 * loopback address.
 */
public record RebootApiSettings(URI baseUrl, String username, Path passwordFile, String passwordEnv, Duration timeout) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

  public RebootApiSettings {
    Objects.requireNonNull(baseUrl, "baseUrl");
    String scheme = baseUrl.getScheme();
    if ((!"https".equals(scheme) && !"http".equals(scheme)) || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("reboot API URL " + baseUrl + " is not an http(s) URL with a host");
    }
    if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null || baseUrl.getRawUserInfo() != null) {
      throw new IllegalArgumentException("reboot API URL " + baseUrl + " must be a base URL: no user, query or fragment");
    }
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("reboot API timeout " + timeout + " must be positive");
    }
    if (username == null) {
      if (passwordFile != null || passwordEnv != null) {
        throw new IllegalArgumentException("reboot API: a password source without a username");
      }
    } else {
      if (username.isEmpty() || username.contains(":")) {
        throw new IllegalArgumentException("reboot API username '" + username + "' is empty or contains ':'");
      }
      if ((passwordFile == null) == (passwordEnv == null)) {
        throw new IllegalArgumentException("reboot API: name exactly one of passwordFile and passwordEnv");
      }
      if ("http".equals(scheme) && !LOOPBACK.contains(baseUrl.getHost())) {
        throw new IllegalArgumentException("reboot API URL " + baseUrl + " is plain http: basic auth would send the"
            + " password in clear; use https");
      }
    }
  }

  /** No authentication, the default timeout. */
  public static RebootApiSettings of(URI baseUrl) {
    return new RebootApiSettings(baseUrl, null, null, null, null);
  }

  public boolean authenticated() {
    return username != null;
  }
}
