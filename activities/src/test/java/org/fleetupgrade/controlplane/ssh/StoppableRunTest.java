package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stoppable runs against a host that runs what it receives in a local shell (bash, setsid, kill:
 * the host's own tools), and, as sshd without a terminal, lets a command go on when its channel
 * closes: a run is stopped on the host only by the executor's stop.
 */
class StoppableRunTest {

  private static final Duration GONE_WITHIN = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private ScriptHost host;
  private SshExecutor ssh;
  private Path runDirectory;

  @BeforeEach
  void host() throws Exception {
    Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v bash && command -v setsid")
        .redirectErrorStream(true).start().waitFor() == 0, "needs bash and setsid");
    host = new ScriptHost();
    host.runInShell(UnaryOperator.identity());
    runDirectory = dir.resolve("run");
    ssh = new SshExecutor(host.settings(dir, host.hostKey, host.clientKey, Duration.ofSeconds(10))
        .withRemoteCommand("/bin/bash -s"), new RemoteProcessGroups(runDirectory.toString(), Duration.ofSeconds(2)));
  }

  @AfterEach
  void close() throws Exception {
    if (ssh != null) {
      ssh.close();
    }
    if (host != null) {
      host.close();
    }
  }

  /** A script that records its pid (its process group's) and a child's, then waits on the child, silent. */
  private String longScript() {
    return """
        set -euo pipefail
        echo "$$" > %1$s/leader.pid
        sleep 600 &
        echo "$!" > %1$s/child.pid
        echo started
        wait
        """.formatted(dir);
  }

  private long pid(String name) throws Exception {
    return Long.parseLong(Files.readString(dir.resolve(name)).strip());
  }

  private List<Path> recordedGroups() throws Exception {
    if (!Files.isDirectory(runDirectory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(runDirectory)) {
      return files.toList();
    }
  }

  @Test
  void aSilentScriptIsWatchedEveryPeriodAndRunsInItsOwnProcessGroup() throws Exception {
    AtomicInteger ticks = new AtomicInteger();
    List<String> lines = new CopyOnWriteArrayList<>();

    ScriptRun run = ssh.runStoppable("127.0.0.1", host.port(), """
        echo "pid $$ pgid $(ps -o pgid= $$ | tr -d ' ')"
        ls %s
        sleep 1
        echo done
        """.formatted(runDirectory), Duration.ofSeconds(20), lines::add,
        new ScriptWatch(Duration.ofMillis(100), ticks::incrementAndGet));

    assertThat(run.succeeded()).as(String.join("\n", run.tail())).isTrue();
    assertThat(ticks.get()).as("ticks during a silent second").isGreaterThanOrEqualTo(3);
    assertThat(lines.get(0)).matches("pid (\\d+) pgid \\1");
    assertThat(lines.get(1)).as("its process group, recorded while it runs").endsWith(".pgid");
    assertThat(lines).endsWith("done");
    assertThat(recordedGroups()).as("and no longer once it exited").isEmpty();
  }

  @Test
  void aRunWhoseWatchThrowsIsStoppedOnTheHostAndTheThrowIsPassedOn() throws Exception {
    RuntimeException cancelled = new IllegalStateException("cancelled");
    Path child = dir.resolve("child.pid");

    assertThatThrownBy(() -> ssh.runStoppable("127.0.0.1", host.port(), longScript(), Duration.ofSeconds(60),
        line -> { }, new ScriptWatch(Duration.ofMillis(100), () -> {
          if (Files.exists(child)) {
            throw cancelled;
          }
        }))).isSameAs(cancelled);

    assertThat(ScriptHost.awaitGone(pid("leader.pid"), GONE_WITHIN)).as("the script").isTrue();
    assertThat(ScriptHost.awaitGone(pid("child.pid"), GONE_WITHIN)).as("what it started").isTrue();
    assertThat(recordedGroups()).isEmpty();
    assertThat(host.received).hasSize(2);
    assertThat(host.received.get(1).script()).contains("kill -TERM -- \"-$pgid\"");
  }

  @Test
  void aRunPastItsDeadlineIsStoppedOnTheHost() throws Exception {
    assertThatThrownBy(() -> ssh.runStoppable("127.0.0.1", host.port(), longScript(), Duration.ofSeconds(2),
        line -> { }, new ScriptWatch(Duration.ofMillis(500), () -> { })))
        .isInstanceOfSatisfying(SshFailure.class, e -> {
          assertThat(e.kind()).isEqualTo(SshFailure.Kind.TIMEOUT);
          assertThat(e).hasMessageContaining("script still running after 2s")
              // SIGTERM ends it at once; on a loaded machine the group may outlast the 2 s grace
              // (not yet reaped) and be killed: either way it is gone from the host below.
              .hasMessageMatching("(?s).*; run [a-f0-9-]{36} (stopped: process group \\d+ ended on SIGTERM"
                  + "|killed: process group \\d+ was still there 2s after SIGTERM)");
        });

    assertThat(ScriptHost.awaitGone(pid("leader.pid"), GONE_WITHIN)).isTrue();
    assertThat(ScriptHost.awaitGone(pid("child.pid"), GONE_WITHIN)).isTrue();
  }

  @Test
  void aScriptThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
    String stubborn = """
        trap '' TERM
        echo "$$" > %s/leader.pid
        while true; do sleep 0.1; done
        """.formatted(dir);

    assertThatThrownBy(() -> ssh.runStoppable("127.0.0.1", host.port(), stubborn, Duration.ofSeconds(1),
        line -> { }, new ScriptWatch(Duration.ofMillis(500), () -> { })))
        .isInstanceOfSatisfying(SshFailure.class, e -> assertThat(e)
            .hasMessageMatching("(?s).*; run [a-f0-9-]{36} killed: process group \\d+ was still there 2s after SIGTERM"));

    assertThat(ScriptHost.awaitGone(pid("leader.pid"), GONE_WITHIN)).isTrue();
  }

  @Test
  void aStopForARunThatEndedChangesNothing() throws Exception {
    RemoteProcessGroups groups = new RemoteProcessGroups(runDirectory.toString(), Duration.ofSeconds(2));

    ScriptRun run = ssh.run("127.0.0.1", host.port(), groups.stop(RemoteProcessGroups.newRunId()), Duration.ofSeconds(20),
        line -> { });

    assertThat(run.succeeded()).isTrue();
    assertThat(run.tail()).singleElement().asString().endsWith("is not running on this host");
  }
}
