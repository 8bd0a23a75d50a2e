package org.fleetupgrade.controlplane.ssh;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Receives a script's stdout and stderr, splits it into lines, hands each line on, remembers the
 * step the script last announced ({@value #STEP_MARKER} NAME) and the decision it reported
 * ({@value #RESULT_MARKER} WHAT), which may have scrolled out of the tail, and keeps only the last lines.
 *
 * <p>With a nonce, only marker lines that carry it ({@code ==> NONCE result apply}) are markers: the
 * nonce is taken out and the line handed on as {@code ==> result apply}; any other line that begins
 * like a marker (the output of a program the script runs) is handed on as {@code (output) ==> ...},
 * so no listener takes it for one. Every line loses its control characters (escape sequences,
 * carriage returns, NULs) before it reaches a listener, a failure message or the history.
 */
final class ScriptOutput extends OutputStream {

  static final String STEP_MARKER = "==> step ";
  static final String RESULT_MARKER = "==> result ";
  static final int TAIL_LINES = 40;
  static final int MAX_LINE = 2000;

  static final String MARKER = "==> ";
  static final String FORGED = "(output) ";

  private final Consumer<String> lines;
  private final Deque<String> tail;
  private final String nonce;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private volatile String step;
  private volatile String result;
  private volatile RuntimeException listenerFailure;

  ScriptOutput(Consumer<String> lines, Deque<String> sharedTail) {
    this(lines, sharedTail, null);
  }

  /** {@code nonce}: the run's marker nonce, or null for output with no markers to trust (plain commands). */
  ScriptOutput(Consumer<String> lines, Deque<String> sharedTail, String nonce) {
    this.lines = lines;
    this.tail = sharedTail;
    this.nonce = nonce;
  }

  static Deque<String> newTail() {
    return new ArrayDeque<>();
  }

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      flushLine();
    } else if (partial.size() < MAX_LINE) {
      partial.write(b);
    }
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      write(bytes[i]);
    }
  }

  @Override
  public synchronized void close() {
    if (partial.size() > 0) {
      flushLine();
    }
  }

  private void flushLine() {
    String line = printable(partial.toString(StandardCharsets.UTF_8)).stripTrailing();
    partial.reset();
    if (nonce != null && line.startsWith(MARKER)) {
      String trusted = MARKER + nonce + " ";
      line = line.startsWith(trusted) ? MARKER + line.substring(trusted.length()) : FORGED + line;
    }
    if (line.startsWith(STEP_MARKER)) {
      step = line.substring(STEP_MARKER.length()).trim();
    } else if (line.startsWith(RESULT_MARKER)) {
      result = line.substring(RESULT_MARKER.length()).trim();
    }
    synchronized (tail) {
      tail.addLast(line);
      while (tail.size() > TAIL_LINES) {
        tail.removeFirst();
      }
    }
    try {
      lines.accept(line);
    } catch (RuntimeException e) {
      // A listener that fails must not cut the script's output: the script goes on either way.
      if (listenerFailure == null) {
        listenerFailure = e;
      }
    }
  }

  /** The first exception a line listener threw (e.g. a heartbeat of a cancelled activity), if any. */
  RuntimeException listenerFailure() {
    return listenerFailure;
  }

  String step() {
    return step;
  }

  String result() {
    return result;
  }

  /** Terminal escape sequences (colours, cursor moves), dropped whole rather than leaving "[31m" behind. */
  private static final java.util.regex.Pattern ESCAPES =
      java.util.regex.Pattern.compile("\u001B(\\[[0-?]*[ -/]*[@-~]|\\][^\u0007\u001B]*(\u0007|\u001B\\\\)?|[@-_])");

  /**
   * {@code text} without terminal escape sequences and control characters (a tab becomes a space),
   * and without invalid UTF-8's replacement characters.
   */
  static String printable(String text) {
    StringBuilder out = new StringBuilder(text.length());
    ESCAPES.matcher(text).replaceAll("").codePoints().forEach(c -> {
      if (c == '\t') {
        out.append(' ');
      } else if (!Character.isISOControl(c) && c != 0xFFFD && Character.getType(c) != Character.FORMAT) {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  static List<String> snapshot(Deque<String> tail) {
    synchronized (tail) {
      return List.copyOf(tail);
    }
  }
}
