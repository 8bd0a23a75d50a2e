package org.fleetupgrade.changelog;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * GETs small text files (a changelog, a release channel) with a timeout per request and a few
 * retries with backoff for timeouts, connection errors and 5xx; a 404 is final.
 */
public final class TextFetcher {

  /** Changelogs are a few hundred KB; anything far larger is not what we asked for. */
  static final int MAX_BYTES = 8 * 1024 * 1024;

  private final HttpClient http;
  private final Duration timeout;
  private final int attempts;
  private final Duration backoff;

  public TextFetcher(Duration timeout, int attempts, Duration backoff) {
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    this.timeout = timeout;
    this.attempts = Math.max(1, attempts);
    this.backoff = backoff;
  }

  public String get(URI uri) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        sleep(backoff.multipliedBy(1L << (attempt - 2)));
      }
      HttpResponse<String> response;
      try {
        response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException e) {
        last = new IOException(uri + ": no answer within " + timeout.toMillis() + " ms", e);
        continue;
      } catch (IOException e) {
        last = new IOException(uri + ": " + e, e);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(uri + ": interrupted", e);
      }
      int status = response.statusCode();
      if (status == 404) {
        throw new NotPublishedException(uri);
      }
      if (status >= 200 && status < 300) {
        if (response.body().length() > MAX_BYTES) {
          throw new IOException(uri + ": larger than " + MAX_BYTES + " bytes");
        }
        return response.body();
      }
      last = new IOException(uri + ": HTTP " + status);
      if (status < 500 && status != 429) {
        throw last;
      }
    }
    throw new IOException(last.getMessage() + " (after " + attempts + " attempts)", last);
  }

  private static void sleep(Duration d) throws IOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
