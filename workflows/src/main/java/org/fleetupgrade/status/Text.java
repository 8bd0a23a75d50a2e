package org.fleetupgrade.status;

import java.time.Duration;

/**
 * How people read numbers here, in one place: durations as the config writes them ({@code 45s},
 * {@code 10m}, {@code 2h}, {@code 1d}, {@code 7d}, {@code 1d2h}, {@code 1h30m}, {@code 500ms}), not
 * ISO-8601 ({@code PT168H}); counts with their noun agreeing ({@code 1 node}, {@code 2 nodes}).
 * Used by the CLI, the config printer, and the workflows' timeline and web UI text (pure: no clock).
 */
public final class Text {

  private Text() {}

  /** Exactly, as the config would write it: {@code 90d}, {@code 1h30m}, {@code 500ms}, {@code 0s}. */
  public static String duration(Duration d) {
    if (d == null) {
      return "-";
    }
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder(d.isNegative() ? "-" : "");
    Duration rest = d.abs();
    append(out, rest.toDays(), "d");
    append(out, rest.toHoursPart(), "h");
    append(out, rest.toMinutesPart(), "m");
    append(out, rest.toSecondsPart(), "s");
    append(out, rest.toMillisPart(), "ms");
    if (out.length() == (d.isNegative() ? 1 : 0)) {
      out.append("0s");
    }
    return out.toString();
  }

  /**
   * Roughly, for how long something took or has to go: the largest unit and the one after it,
   * truncated ({@code 6d23h}, {@code 11m23s}, {@code 2h}, {@code 45s}); below a second, milliseconds.
   */
  public static String roughly(Duration d) {
    if (d == null) {
      return "-";
    }
    Duration rest = d.abs();
    String sign = d.isNegative() && rest.toMillis() > 0 ? "-" : "";
    long[] parts = {rest.toDays(), rest.toHoursPart(), rest.toMinutesPart(), rest.toSecondsPart()};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < parts.length; i++) {
      if (parts[i] > 0) {
        StringBuilder out = new StringBuilder(sign).append(parts[i]).append(units[i]);
        if (i + 1 < parts.length && parts[i + 1] > 0) {
          out.append(parts[i + 1]).append(units[i + 1]);
        }
        return out.toString();
      }
    }
    return rest.toMillisPart() > 0 ? sign + rest.toMillisPart() + "ms" : "0s";
  }

  /** {@code 1 node}, {@code 2 nodes}, {@code 0 nodes}: {@code noun} is the singular. */
  public static String count(long n, String noun) {
    return n + " " + (n == 1 ? noun : plural(noun));
  }

  /** {@code 1 security note}, {@code 3 already at target}: an explicit plural for irregular words. */
  public static String count(long n, String singular, String plural) {
    return n + " " + (n == 1 ? singular : plural);
  }

  /** The plural of an English noun (or of a phrase's last word): node, nodes; fix, fixes; policy, policies. */
  static String plural(String noun) {
    if (noun.endsWith("s") || noun.endsWith("x") || noun.endsWith("ch") || noun.endsWith("sh")) {
      return noun + "es";
    }
    if (noun.length() > 1 && noun.endsWith("y") && "aeiou".indexOf(noun.charAt(noun.length() - 2)) < 0) {
      return noun.substring(0, noun.length() - 1) + "ies";
    }
    return noun + "s";
  }

  private static void append(StringBuilder out, long n, String unit) {
    if (n > 0) {
      out.append(n).append(unit);
    }
  }
}
