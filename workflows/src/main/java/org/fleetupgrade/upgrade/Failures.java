package org.fleetupgrade.upgrade;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;

/** Turns a failure chain into the one line an operator needs: the innermost cause and its type. */
final class Failures {

  /** Longest error text kept in status and history. */
  static final int MAX_LENGTH = 2000;

  private Failures() {}

  static String describe(Throwable failure) {
    Throwable root = failure;
    String where = "";
    while (root.getCause() != null && root.getCause() != root) {
      if (root instanceof ActivityFailure af && where.isEmpty()) {
        where = af.getActivityType() + ": ";
      }
      if (root instanceof ChildWorkflowFailure cf && where.isEmpty()) {
        where = cf.getWorkflowType() + ": ";
      }
      root = root.getCause();
    }
    String text;
    if (root instanceof ApplicationFailure app) {
      text = app.getOriginalMessage() + (app.getType() == null ? "" : " [" + simpleType(app.getType()) + "]");
    } else if (root instanceof TimeoutFailure timeout) {
      text = "timed out (" + timeout.getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase() + ")";
    } else if (root instanceof TemporalFailure temporal) {
      text = temporal.getOriginalMessage();
    } else {
      text = String.valueOf(root.getMessage());
    }
    String line = where + text;
    return line.length() > MAX_LENGTH ? line.substring(0, MAX_LENGTH) + "..." : line;
  }

  private static String simpleType(String type) {
    int dot = type.lastIndexOf('.');
    return dot < 0 ? type : type.substring(dot + 1);
  }
}
