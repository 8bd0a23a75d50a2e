package org.fleetupgrade.controlplane.ssh;

import java.util.List;

/**
 * A script that ran to its end: its exit status, the last step it announced, the last decision it
 * reported ({@code ==> result ...}, null if none) and the tail of its output (bounded, so it can go
 * into a failure message and into history).
 */
public record ScriptRun(int exitStatus, String lastStep, String result, List<String> tail) {

  public ScriptRun {
    tail = List.copyOf(tail);
  }

  public boolean succeeded() {
    return exitStatus == 0;
  }
}
