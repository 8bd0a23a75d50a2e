package org.fleetupgrade.worker.realserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.worker.cli.JarProcess;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The web UI as an operator sees it, through Debian's headless Chromium driven by playwright-core
 * (worker/src/test/webui: check-web-ui.mjs, its package.json and package-lock.json; `npm ci` there
 * installs it, .ci/run does). Nothing is downloaded at test time: playwright-core brings no browser
 * and drives /usr/bin/chromium (or CHROMIUM). Without Chromium, Node.js or `npm ci` a test is
 * skipped with a message, and fails under CI ({@code CI=true}).
 */
final class WebUiCheck {

  static final Path DIR = JarProcess.REPO.resolve("worker/src/test/webui");
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebUiCheck() {}

  static Path chromium() {
    String configured = System.getenv("CHROMIUM");
    return Path.of(configured == null || configured.isBlank() ? "/usr/bin/chromium" : configured);
  }

  /** Chromium, Node.js and playwright-core, or the test is skipped (failed under CI) saying what is missing. */
  static void require() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(chromium())) {
      missing.add("Chromium at " + chromium() + " (apt-get install chromium, or set CHROMIUM)");
    }
    if (!nodeRuns()) {
      missing.add("Node.js (`node` on the PATH)");
    }
    if (!Files.isDirectory(DIR.resolve("node_modules/playwright-core"))) {
      missing.add("playwright-core (`npm ci` in " + DIR + ")");
    }
    if (!missing.isEmpty()) {
      String why = "the web UI check needs " + String.join(", ", missing) + "; .ci/run installs them";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
  }

  private static boolean nodeRuns() {
    try {
      Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      return node.waitFor(20, TimeUnit.SECONDS) && node.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Opens the list filtered by {@code FleetUpgradeVersion}, the upgrade from it, its metadata and
   * its relationships; screenshots go to {@code out} as {@code <prefix>-list.png}, {@code
   * -metadata.png}, {@code -relationships.png}. Returns what each showed, as text.
   */
  static JsonNode open(String uiUrl, String version, String workflowId, Path out, String prefix)
      throws IOException, InterruptedException {
    Path stdout = Files.createTempFile("web-ui", ".json");
    Path stderr = Files.createTempFile("web-ui", ".err");
    ProcessBuilder builder = new ProcessBuilder("node", "check-web-ui.mjs", uiUrl, version, workflowId,
        out.toAbsolutePath().toString(), prefix).directory(DIR.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    builder.environment().put("CHROMIUM", chromium().toString());
    Process check = builder.start();
    if (!check.waitFor(120, TimeUnit.SECONDS)) {
      check.destroyForcibly();
      throw new AssertionError("the web UI check did not end within 120 s: " + Files.readString(stderr));
    }
    String err = Files.readString(stderr, StandardCharsets.UTF_8);
    String json = Files.readString(stdout, StandardCharsets.UTF_8);
    Files.delete(stdout);
    Files.delete(stderr);
    if (check.exitValue() != 0) {
      throw new AssertionError("the web UI check failed (" + check.exitValue() + "): " + err);
    }
    return JSON.readTree(json);
  }
}
