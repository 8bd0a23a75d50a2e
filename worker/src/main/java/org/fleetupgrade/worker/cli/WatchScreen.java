package org.fleetupgrade.worker.cli;

import java.io.PrintStream;

/**
 * Where {@code status --watch} prints: on a terminal each refresh redraws the screen in place (cursor
 * home, each line cleared to its end, the rest of the screen cleared below), so the view stays put;
 * piped or redirected, each refresh is appended after a blank line, as a log.
 */
final class WatchScreen {

  static final String HOME = "\u001b[H";
  static final String CLEAR_LINE = "\u001b[K";
  static final String CLEAR_BELOW = "\u001b[J";

  private final PrintStream out;
  private final boolean terminal;
  private boolean first = true;

  WatchScreen(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** A terminal: stdin and stdout both are one (what {@link System#console()} tells on Java 17). */
  static boolean onTerminal() {
    return System.console() != null;
  }

  /** Shows one refresh: {@code block} (whole lines) and, when another follows, {@code footer}. */
  void show(String block, String footer) {
    String text = block + (footer == null ? "" : footer + "\n");
    if (terminal) {
      StringBuilder screen = new StringBuilder(first ? HOME + "\u001b[2J" + HOME : HOME);
      text.lines().forEach(line -> screen.append(line).append(CLEAR_LINE).append('\n'));
      out.print(screen.append(CLEAR_BELOW));
    } else {
      out.print((first ? "" : "\n") + text);
    }
    out.flush();
    first = false;
  }
}
