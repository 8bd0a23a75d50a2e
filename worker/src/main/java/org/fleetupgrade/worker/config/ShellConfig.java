package org.fleetupgrade.worker.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bash file of variable assignments, as operators keep k8s-support's {@code k8s_deploy.conf} and
 * epoxy-images' {@code config.sh}: read, never executed. Only the shapes those files use are
 * accepted; every other line is an error naming the file, the line number and the line:
 *
 * <ul>
 *   <li>blank lines and comment lines ({@code # ...});
 *   <li>{@code NAME=value} and {@code export NAME=value}, the value unquoted (letters, digits and
 *       {@code . _ / : @ % + , = -}), or in double quotes, where {@code ${NAME}} expands a variable set on an
 *       earlier line of the same file;
 *   <li>{@code NAME=(word word word)}, an array of unquoted words;
 *   <li>each optionally followed by spaces and a {@code # comment}.
 * </ul>
 *
 * Command substitution ({@code $(...)}, backticks), any other {@code $}, backslashes, single quotes,
 * a second word after the value (bash would run it as a command), {@code ;}, {@code &&} and every
 * other construct are refused, as is a variable set twice. A {@code ${NAME}} that the file does not
 * set earlier (config.sh's {@code ${PROJECT}} comes from the build's environment) leaves the value
 * unresolved: reading it is an error, other variables stay usable.
 */
public final class ShellConfig {

  /**
   * One assignment.
   *
   * @param value the value with expansions done (for an array: its words joined by spaces)
   * @param words an array's words; null for a plain value
   * @param unresolved variables the value refers to that the file does not set before this line
   */
  public record Assignment(String file, String name, int line, String text, String value, List<String> words,
      List<String> unresolved) {

    public Assignment {
      words = words == null ? null : List.copyOf(words);
      unresolved = List.copyOf(unresolved);
    }

    public boolean isArray() {
      return words != null;
    }

    /** {@code file:line}, for messages and for where an imported value came from. */
    public String where() {
      return file + ":" + line;
    }
  }

  private static final Pattern ASSIGNMENT = Pattern.compile("[ \\t]*(export[ \\t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)");
  private static final Pattern UNQUOTED = Pattern.compile("[A-Za-z0-9._/:@%+,=-]+");
  private static final Pattern WORD = Pattern.compile("[^ \\t]*");
  private static final Pattern EXPANSION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");

  private final String file;
  private final Map<String, Assignment> assignments;

  private ShellConfig(String file, Map<String, Assignment> assignments) {
    this.file = file;
    this.assignments = Collections.unmodifiableMap(assignments);
  }

  /** Reads {@code text}; {@code file} names it in messages. Every malformed line is reported at once. */
  public static ShellConfig parse(String file, String text) throws ConfigException {
    List<String> errors = new ArrayList<>();
    Map<String, Assignment> assignments = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      int number = i + 1;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      try {
        Assignment a = assignment(file, number, line, assignments);
        Assignment earlier = assignments.get(a.name());
        if (earlier != null) {
          throw new IllegalArgumentException(a.name() + " is already set on line " + earlier.line()
              + " (bash would take the last one silently: keep one)");
        }
        assignments.put(a.name(), a);
      } catch (IllegalArgumentException e) {
        errors.add(file + ":" + number + ": " + e.getMessage() + ": " + line);
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new ShellConfig(file, assignments);
  }

  public String file() {
    return file;
  }

  /** Every assignment, in file order. */
  public Collection<Assignment> assignments() {
    return assignments.values();
  }

  public Optional<Assignment> get(String name) {
    return Optional.ofNullable(assignments.get(name));
  }

  /** A plain value that is usable as it stands: an array, or one depending on the environment, is an error. */
  public static String scalar(Assignment a) {
    if (a.isArray()) {
      throw new IllegalArgumentException(a.where() + ": " + a.name() + " is an array, expected a single value: "
          + a.text());
    }
    if (!a.unresolved().isEmpty()) {
      throw new IllegalArgumentException(a.where() + ": " + a.name() + " refers to ${" + String.join("}, ${",
          a.unresolved()) + "}, which this file does not set before it: " + a.text());
    }
    return a.value();
  }

  private static Assignment assignment(String file, int number, String line, Map<String, Assignment> earlier) {
    Matcher m = ASSIGNMENT.matcher(line);
    if (!m.matches()) {
      refuseSubstitution(line);
      throw new IllegalArgumentException("not a comment, a blank line or a NAME=value assignment");
    }
    String name = m.group(2);
    String rest = m.group(3);
    int end;
    String value;
    List<String> words = null;
    List<String> unresolved = new ArrayList<>();
    if (rest.startsWith("(")) {
      end = rest.indexOf(')');
      if (end < 0) {
        throw new IllegalArgumentException("unterminated array (an array must be on one line)");
      }
      words = new ArrayList<>();
      for (String word : rest.substring(1, end).strip().split("[ \\t]+")) {
        if (word.isEmpty()) {
          continue;
        }
        refuseSubstitution(word);
        if (!UNQUOTED.matcher(word).matches()) {
          throw new IllegalArgumentException("array word '" + word + "' is not a plain word (letters, digits, . _ / : @ % + , = -)");
        }
        words.add(word);
      }
      value = String.join(" ", words);
      end++;
    } else if (rest.startsWith("\"")) {
      end = rest.indexOf('"', 1);
      if (end < 0) {
        throw new IllegalArgumentException("unterminated double quote (a value must be on one line)");
      }
      refuseSubstitution(rest.substring(1, end));
      value = expand(rest.substring(1, end), earlier, unresolved);
      end++;
    } else if (rest.startsWith("'")) {
      throw new IllegalArgumentException("single quotes are not read: use double quotes or none");
    } else {
      Matcher word = WORD.matcher(rest);
      word.lookingAt();
      value = word.group();
      end = word.end();
      refuseSubstitution(value);
      if (!value.isEmpty() && !UNQUOTED.matcher(value).matches()) {
        throw new IllegalArgumentException("unquoted value '" + value + "' has characters other than letters, digits"
            + " and . _ / : @ % + , = - (quote it; $ expands only ${NAME} in double quotes)");
      }
    }
    String after = rest.substring(end);
    String afterTrimmed = after.stripLeading();
    if (!afterTrimmed.isEmpty()) {
      boolean spaced = afterTrimmed.length() < after.length();
      if (!afterTrimmed.startsWith("#") || !spaced) {
        refuseSubstitution(after);
        throw new IllegalArgumentException("unexpected text after the value of " + name
            + " (only spaces and a # comment may follow it)");
      }
    }
    return new Assignment(file, name, number, line, value, words, unresolved);
  }

  /** A double-quoted value: ${NAME} from an earlier line; any other $ or a backslash is refused. */
  private static String expand(String quoted, Map<String, Assignment> earlier, List<String> unresolved) {
    if (quoted.contains("\\")) {
      throw new IllegalArgumentException("backslashes are not read: write the value without escapes");
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < quoted.length()) {
      int dollar = quoted.indexOf('$', i);
      if (dollar < 0) {
        out.append(quoted, i, quoted.length());
        break;
      }
      out.append(quoted, i, dollar);
      Matcher m = EXPANSION.matcher(quoted);
      if (!m.find(dollar) || m.start() != dollar) {
        throw new IllegalArgumentException("only ${NAME} expansions are read: " + quoted.substring(dollar));
      }
      String ref = m.group(1);
      Assignment a = earlier.get(ref);
      if (a == null) {
        unresolved.add(ref);
        out.append(m.group());
      } else if (a.isArray()) {
        throw new IllegalArgumentException("${" + ref + "} is an array (line " + a.line() + ")");
      } else {
        unresolved.addAll(a.unresolved());
        out.append(a.value());
      }
      i = m.end();
    }
    return out.toString();
  }

  /** Command substitution gets its own message: it is the one thing that must never be mistaken for a value. */
  private static void refuseSubstitution(String text) {
    if (text.contains("$(") || text.contains("`")) {
      throw new IllegalArgumentException("command substitution (" + (text.contains("`") ? "backticks" : "$(...)")
          + ") is not read: this file is never run");
    }
  }
}
