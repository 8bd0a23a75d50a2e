package org.fleetupgrade.worker.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fleetupgrade.status.Text;

/**
 * One YAML mapping being read, with its path for error messages. Reading never throws: a bad value
 * is recorded and replaced by its default, so a check reports every error in one go.
 */
final class ConfigNode {

  private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

  private final JsonNode json;
  private final String path;
  private final List<String> errors;
  private final String file;

  ConfigNode(JsonNode json, String path, String file, List<String> errors) {
    this.json = json;
    this.path = path;
    this.file = file;
    this.errors = errors;
  }

  String path(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  void error(String field, String reason) {
    errors.add(file + ": " + (field == null ? (path.isEmpty() ? "" : path + ": ") : path(field) + ": ") + reason);
  }

  boolean has(String field) {
    return json != null && json.has(field) && !json.get(field).isNull();
  }

  /** Rejects fields this mapping does not know, naming the ones it does. */
  void allowOnly(String... fields) {
    if (json == null) {
      return;
    }
    Set<String> known = new TreeSet<>(Arrays.asList(fields));
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        error(name, "unknown field (known: " + String.join(", ", known) + ")");
      }
    }
  }

  ConfigNode child(String field) {
    if (!has(field)) {
      return new ConfigNode(null, path(field), file, errors);
    }
    JsonNode value = json.get(field);
    if (!value.isObject()) {
      error(field, "must be a mapping");
      return new ConfigNode(null, path(field), file, errors);
    }
    return new ConfigNode(value, path(field), file, errors);
  }

  boolean present() {
    return json != null;
  }

  /** This mapping's field names, in file order. */
  List<String> fieldNames() {
    List<String> names = new ArrayList<>();
    if (json != null) {
      json.fieldNames().forEachRemaining(names::add);
    }
    return names;
  }

  List<ConfigNode> list(String field) {
    List<ConfigNode> items = new ArrayList<>();
    if (!has(field)) {
      return items;
    }
    JsonNode value = json.get(field);
    if (!value.isArray()) {
      error(field, "must be a list");
      return items;
    }
    for (int i = 0; i < value.size(); i++) {
      String itemPath = path(field) + "[" + i + "]";
      if (!value.get(i).isObject()) {
        errors.add(file + ": " + itemPath + ": must be a mapping");
        continue;
      }
      items.add(new ConfigNode(value.get(i), itemPath, file, errors));
    }
    return items;
  }

  String string(String field, String defaultValue) {
    if (!has(field)) {
      return defaultValue;
    }
    JsonNode value = json.get(field);
    if (!value.isValueNode() || value.isBoolean()) {
      error(field, "must be a string");
      return defaultValue;
    }
    String text = value.asText().trim();
    if (text.isEmpty()) {
      error(field, "must not be empty");
      return defaultValue;
    }
    return text;
  }

  String requiredString(String field) {
    if (!has(field)) {
      error(field, "is required");
      return null;
    }
    return string(field, null);
  }

  /** A string that must also match {@code pattern}; {@code what} explains the pattern. */
  String matching(String field, String defaultValue, Pattern pattern, String what, boolean required) {
    String value = required ? requiredString(field) : string(field, defaultValue);
    if (value != null && !pattern.matcher(value).matches()) {
      error(field, "'" + value + "' is not " + what);
      return defaultValue;
    }
    return value;
  }

  List<String> strings(String field) {
    List<String> values = new ArrayList<>();
    if (!has(field)) {
      return values;
    }
    JsonNode value = json.get(field);
    if (!value.isArray()) {
      error(field, "must be a list");
      return values;
    }
    value.forEach(v -> values.add(v.asText().trim()));
    return values;
  }

  /** A whole number in [min, max], with why the maximum is what it is. */
  int integer(String field, int defaultValue, int min, int max, String whyMax) {
    if (!has(field)) {
      return defaultValue;
    }
    JsonNode value = json.get(field);
    if (!value.isIntegralNumber()) {
      error(field, "must be a whole number");
      return defaultValue;
    }
    boolean negative = value.bigIntegerValue().signum() < 0;
    if ((!value.canConvertToInt() && !negative) || value.asInt() > max) {
      error(field, "must be at most " + max + " (got " + value.asText() + "): " + whyMax);
      return defaultValue;
    }
    if (!value.canConvertToInt() || value.asInt() < min) {
      error(field, "must be at least " + min + " (got " + value.asText() + ")");
      return defaultValue;
    }
    return value.asInt();
  }

  boolean bool(String field, boolean defaultValue) {
    if (!has(field)) {
      return defaultValue;
    }
    JsonNode value = json.get(field);
    if (!value.isBoolean()) {
      error(field, "must be true or false");
      return defaultValue;
    }
    return value.asBoolean();
  }

  /**
   * Durations as {@code 90s}, {@code 30m}, {@code 7d}, {@code 1h30m}, {@code 500ms} or ISO-8601
   * ({@code PT1H}), at most {@code max} ({@code whyMax} says why): every duration has a bound, so
   * none can overflow the Instant arithmetic of the timers and deadlines it feeds.
   */
  Duration duration(String field, Duration defaultValue, boolean positive, Duration max, String whyMax) {
    String text = string(field, null);
    if (text == null) {
      return defaultValue;
    }
    Duration parsed;
    try {
      parsed = parseDuration(text);
    } catch (ArithmeticException | NumberFormatException tooLarge) {
      error(field, "must be at most " + format(max) + " (got " + text + "): " + whyMax);
      return defaultValue;
    }
    if (parsed == null) {
      error(field, "'" + text + "' is not a duration (e.g. 90s, 30m, 2h, 7d, 1h30m)");
      return defaultValue;
    }
    if (parsed.isNegative()) {
      error(field, "must not be negative (got " + text + ")");
      return defaultValue;
    }
    if (positive && parsed.isZero()) {
      error(field, "must be more than zero");
      return defaultValue;
    }
    if (parsed.compareTo(max) > 0) {
      error(field, "must be at most " + format(max) + " (got " + text + "): " + whyMax);
      return defaultValue;
    }
    return parsed;
  }

  /** A duration as the config writes it: {@code 90d}, {@code 1h30m}, {@code 500ms}, {@code 0s}. */
  static String format(Duration d) {
    return Text.duration(d);
  }

  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    boolean negative = t.startsWith("-");
    if (negative) {
      t = t.substring(1);
    }
    Duration total = Duration.ZERO;
    if (t.startsWith("p")) {
      try {
        total = Duration.parse(t.toUpperCase(Locale.ROOT));
      } catch (RuntimeException e) {
        return null;
      }
    } else {
      Matcher m = DURATION_PART.matcher(t);
      int end = 0;
      while (m.find() && m.start() == end) {
        long n = Long.parseLong(m.group(1));
        total = total.plus(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> Duration.ofDays(7 * n);
        });
        end = m.end();
      }
      if (end == 0 || end != t.length()) {
        return null;
      }
    }
    return negative ? total.negated() : total;
  }

  <E extends Enum<E>> E enumValue(String field, Class<E> type, E defaultValue) {
    String text = string(field, null);
    if (text == null) {
      return defaultValue;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(text.replace('-', '_'))) {
        return constant;
      }
    }
    error(field, "'" + text + "' is not one of " + Arrays.stream(type.getEnumConstants())
        .map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
    return defaultValue;
  }

  /** Parses with {@code parser}, turning its IllegalArgumentException into an error on the field. */
  <T> T parsed(String field, T defaultValue, Function<String, T> parser, boolean required) {
    String text = required ? requiredString(field) : string(field, null);
    if (text == null) {
      return defaultValue;
    }
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      error(field, e.getMessage());
      return defaultValue;
    }
  }
}
