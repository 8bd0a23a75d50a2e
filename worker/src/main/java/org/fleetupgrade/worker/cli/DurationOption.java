package org.fleetupgrade.worker.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations on the command line: 5s, 2m, 1h (and 500ms, where an option allows less than a second). */
final class DurationOption {

  private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private DurationOption() {}

  static Duration parse(String option, String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new BadInputException(option + ": '" + text + "' is not a duration (e.g. 5s, 2m, 1h)");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
    if (d.isZero()) {
      throw new BadInputException(option + ": must be more than zero");
    }
    return d;
  }
}
