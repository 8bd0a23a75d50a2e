package org.fleetupgrade.kubernetes.rbac;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every Kubernetes API request the adapters (main code) make during the tests of this module,
 * recorded so that k8s/rbac.yaml can be checked against what they do ({@code KubernetesRbacIT}).
 *
 * <p>How: every fabric8 client built in a test JVM of this module gets its HTTP client from
 * {@link RecordingHttpClientFactory} (found through ServiceLoader ahead of fabric8's own, by
 * priority), whose {@link Recorder} sees each request before it is sent, on the thread that sends
 * it. The request is the adapters' when the nearest {@code org.fleetupgrade} frame on that thread's
 * stack is a main class (loaded from {@code target/classes}, not {@code target/test-classes}); a
 * request a test makes to set up the mock server (creating nodes and pods), or that a test's fake
 * makes (a node "rebooting"), is not. {@link RecordingListener} writes what a test class recorded to
 * {@code <dir>/<class>.tsv} when the class ends: one line per distinct request,
 * {@code METHOD<TAB>path?query<TAB>caller}.
 */
public final class AdapterRequests {

  /** Where the recordings go: set by the pom (surefire and failsafe), relative to the module otherwise. */
  public static final Path DIRECTORY = Path.of(System.getProperty("fleetupgrade.kubernetesRequests",
      "target/kubernetes-requests"));

  private static final Set<String> recorded = ConcurrentHashMap.newKeySet();

  private AdapterRequests() {}

  /** What was recorded since the last call, sorted. */
  static List<String> drain() {
    List<String> lines = new ArrayList<>();
    for (String line : recorded) {
      if (recorded.remove(line)) {
        lines.add(line);
      }
    }
    return new ArrayList<>(new TreeSet<>(lines));
  }

  /** Writes {@code testClass}'s recording (or removes an old one if it recorded nothing). */
  static void write(String testClass, List<String> lines) {
    Path file = DIRECTORY.resolve(testClass + ".tsv");
    try {
      if (lines.isEmpty()) {
        Files.deleteIfExists(file);
        return;
      }
      Files.createDirectories(DIRECTORY);
      Files.write(file, lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Records the adapters' requests; sees every request of a client before it is sent. */
  static final class Recorder implements Interceptor {

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      caller().ifPresent(caller -> {
        String query = request.uri().getRawQuery();
        recorded.add(request.method() + "\t" + request.uri().getRawPath() + (query == null ? "" : "?" + query) + "\t"
            + caller);
      });
    }

    /** The main-code frame that made this request, if the nearest frame of ours is main code. */
    private static Optional<String> caller() {
      return WALKER.walk(frames -> frames
          .filter(f -> f.getDeclaringClass().getName().startsWith("org.fleetupgrade.")
              && !f.getDeclaringClass().getPackageName().equals(AdapterRequests.class.getPackageName()))
          .findFirst()
          .filter(f -> isMainCode(f.getDeclaringClass()))
          .map(f -> f.getClassName() + "." + f.getMethodName() + ":" + f.getLineNumber()));
    }

    private static boolean isMainCode(Class<?> type) {
      CodeSource source = type.getProtectionDomain().getCodeSource();
      URL location = source == null ? null : source.getLocation();
      return location != null && !location.getPath().contains("/test-classes/");
    }
  }
}
