package org.fleetupgrade.controlplane.script;

import java.nio.file.Path;

/** The scripts run by tests take their host lock in the test's directory, never in the real /run. */
final class TestLockFile {

  private static final String REAL = "LOCK_FILE=" + ShellValues.quote(ScriptBlocks.LOCK_FILE) + "\n";

  private TestLockFile() {}

  /** {@code script} with its lock file in {@code dir}. */
  static String in(Path dir, String script) {
    if (!script.contains(REAL)) {
      throw new IllegalArgumentException("the script sets no " + REAL.strip());
    }
    return script.replace(REAL, "LOCK_FILE=" + ShellValues.quote(dir.resolve("fleet-upgrade.lock").toString()) + "\n");
  }
}
