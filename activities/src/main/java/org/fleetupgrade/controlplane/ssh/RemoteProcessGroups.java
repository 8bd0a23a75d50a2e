package org.fleetupgrade.controlplane.ssh;

import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Scripts run on a host as the leader of their own process group, so that they can be stopped
 * there. Closing the SSH channel does not stop a script (without a terminal, sshd sends it no
 * hangup, and a silent script never hits the closed pipe), so a run that was cancelled or timed out
 * would otherwise go on beside the retry.
 *
 * <p>{@link #launch} puts two lines before the script, which the remote shell ({@code bash -s})
 * reads and runs before the rest of its standard input: the script then runs as a new session
 * under {@code setsid}, a second bash reading the rest of that input, and its pid, which is its
 * process group id, is in {@code RUN_DIRECTORY/ID.pgid} until it exits. {@link #stop} sends SIGTERM
 * to that group (the scripts trap it, and put the previous kubelet back if they stopped it), waits
 * up to {@code grace} for the group to go, then sends SIGKILL.
 */
public record RemoteProcessGroups(String runDirectory, Duration grace) {

  // Before DEFAULT, which the constructor checks with them.
  private static final Pattern SAFE_DIRECTORY = Pattern.compile("/[A-Za-z0-9._/-]{1,200}");
  private static final Pattern RUN_ID = Pattern.compile("[a-f0-9-]{36}");
  /** How often a stop looks whether the group went: the grace is counted in these. */
  private static final Duration STOP_POLL = Duration.ofMillis(200);

  /** /run is emptied at boot, as are the process groups it names. */
  public static final RemoteProcessGroups DEFAULT = new RemoteProcessGroups("/run/fleet-upgrade", Duration.ofSeconds(30));

  /** The first line of every launched script, before its id. */
  public static final String LAUNCH_MARKER = "# fleet-upgrade run ";

  public RemoteProcessGroups {
    if (runDirectory == null || !SAFE_DIRECTORY.matcher(runDirectory).matches() || runDirectory.contains("..")) {
      throw new IllegalArgumentException("run directory '" + runDirectory + "' is not a plain absolute path");
    }
    if (grace == null || grace.isNegative() || grace.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("stop grace " + grace + " is not between 0 and 10 minutes");
    }
  }

  /** A new run's id: unique, and safe in a file name and in shell text. */
  static String newRunId() {
    return UUID.randomUUID().toString();
  }

  private String pgidFile(String id) {
    if (!RUN_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("run id '" + id + "' is not one newRunId() makes");
    }
    return runDirectory + "/" + id + ".pgid";
  }

  /**
   * What the remote shell reads to run {@code script} as run {@code id}. The launcher is one line:
   * bash has read all of it before running it, so the second bash reads the script from the next
   * byte on (bash reads a pipe byte by byte for this reason). The script does not run unless its
   * process group is recorded.
   */
  String launch(String id, String script) {
    String file = pgidFile(id);
    return LAUNCH_MARKER + id + ": the script below runs in its own process group, recorded in " + file
        + " while it runs, so that it can be stopped\n"
        + "mkdir -p '" + runDirectory + "' && setsid -w /bin/bash -c 'echo \"$$\" >\"$1\" && exec /bin/bash -s'"
        + " fleet-upgrade '" + file + "'; status=$?; rm -f '" + file + "'; exit \"$status\"\n"
        + script;
  }

  /** The script that stops run {@code id} on its host, and prints one line saying what it did. */
  String stop(String id) {
    String file = pgidFile(id);
    long polls = Math.max(1, grace.toMillis() / STOP_POLL.toMillis());
    return """
        # fleet-upgrade: stop run %1$s (its process group): SIGTERM, then SIGKILL after %2$ds
        pgid="$(cat '%3$s' 2>/dev/null || true)"
        if ! [[ "$pgid" =~ ^[1-9][0-9]*$ ]] || ! kill -TERM -- "-$pgid" 2>/dev/null; then
          echo "run %1$s is not running on this host"
          exit 0
        fi
        for ((i = 0; i < %4$d; i++)); do
          if ! kill -0 -- "-$pgid" 2>/dev/null; then
            echo "run %1$s stopped: process group $pgid ended on SIGTERM"
            exit 0
          fi
          sleep %5$s
        done
        kill -KILL -- "-$pgid" 2>/dev/null || true
        echo "run %1$s killed: process group $pgid was still there %2$ds after SIGTERM"
        """.formatted(id, grace.toSeconds(), file, polls, STOP_POLL.toMillis() / 1000.0);
  }
}
