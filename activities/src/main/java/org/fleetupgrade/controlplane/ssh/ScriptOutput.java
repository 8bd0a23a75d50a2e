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
 */
final class ScriptOutput extends OutputStream {

  static final String STEP_MARKER = "==> step ";
  static final String RESULT_MARKER = "==> result ";
  static final int TAIL_LINES = 40;
  static final int MAX_LINE = 2000;

  private final Consumer<String> lines;
  private final Deque<String> tail;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private volatile String step;
  private volatile String result;
  private volatile RuntimeException listenerFailure;

  ScriptOutput(Consumer<String> lines, Deque<String> sharedTail) {
    this.lines = lines;
    this.tail = sharedTail;
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
    String line = partial.toString(StandardCharsets.UTF_8).stripTrailing();
    partial.reset();
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

  static List<String> snapshot(Deque<String> tail) {
    synchronized (tail) {
      return List.copyOf(tail);
    }
  }
}
