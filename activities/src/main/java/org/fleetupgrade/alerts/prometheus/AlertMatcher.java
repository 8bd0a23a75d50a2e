package org.fleetupgrade.alerts.prometheus;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One label matcher in Prometheus's syntax, on an alert's labels ({@code alertname} included):
 * {@code name="value"}, {@code name!="value"}, {@code name=~"regex"}, {@code name!~"regex"}. As in
 * PromQL, a regex matches the whole value, and a missing label reads as the empty string.
 */
public record AlertMatcher(String label, Op op, String value, Pattern regex) {

  public enum Op {
    EQ("="), NE("!="), RE("=~"), NRE("!~");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }
  }

  private static final Pattern SYNTAX = Pattern.compile(
      "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')\\s*");

  /** Parses {@code label op "value"}; throws IllegalArgumentException saying what is wrong. */
  public static AlertMatcher parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("an empty matcher (write e.g. severity=~\"critical|page\")");
    }
    Matcher m = SYNTAX.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a label matcher: a label name, one of = != =~ !~,"
          + " and a quoted value (e.g. severity=~\"critical|page\", alertname!=\"Watchdog\")");
    }
    Op op = switch (m.group(2)) {
      case "=" -> Op.EQ;
      case "!=" -> Op.NE;
      case "=~" -> Op.RE;
      default -> Op.NRE;
    };
    String quoted = m.group(3);
    String value = unescape(quoted.substring(1, quoted.length() - 1));
    Pattern regex = null;
    if (op == Op.RE || op == Op.NRE) {
      try {
        regex = Pattern.compile(value);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("'" + text + "': not a valid regular expression: "
            + e.getDescription());
      }
    }
    return new AlertMatcher(m.group(1), op, value, regex);
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char next = s.charAt(++i);
        switch (next) {
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case '\\' -> out.append('\\');
          default -> {
            // \" \' stay the quote; any other escape (a regex's \. or \d) is kept as written
            if (next != '"' && next != '\'') {
              out.append('\\');
            }
            out.append(next);
          }
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  public boolean matches(Map<String, String> labels) {
    String actual = labels.getOrDefault(label, "");
    return switch (op) {
      case EQ -> actual.equals(value);
      case NE -> !actual.equals(value);
      case RE -> regex.matcher(actual).matches();
      case NRE -> !regex.matcher(actual).matches();
    };
  }

  @Override
  public String toString() {
    return label + op.symbol + "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
