package org.fleetupgrade.images.git;

import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fleetupgrade.images.VersionChange;
import org.fleetupgrade.version.TargetVersions;

/**
 * epoxy-images' config.sh, as far as an upgrade touches it: the {@code export K8S_VERSION=},
 * {@code K8S_CNI_VERSION=} and {@code K8S_CRICTL_VERSION=} lines. An edit replaces only the values
 * of those three lines; every other byte (comments, other variables, quoting, line endings) stays.
 */
public final class ConfigFile {

  public static final String KUBERNETES = "K8S_VERSION";
  public static final String CNI = "K8S_CNI_VERSION";
  public static final String CRICTL = "K8S_CRICTL_VERSION";

  /** Not retryable: the file must be fixed by a person. */
  public static final String MALFORMED = "ImagesConfigMalformed";

  private final String path;
  private final String text;

  public ConfigFile(String path, String text) {
    this.path = path;
    this.text = text;
  }

  /** The file and the commit it was read at, for messages. */
  public String path() {
    return path;
  }

  public String text() {
    return text;
  }

  /** The three variables and their values for {@code target}, in file order. */
  public static Map<String, String> wanted(TargetVersions target) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put(KUBERNETES, target.kubernetes().toString());
    values.put(CNI, target.cni().toString());
    values.put(CRICTL, target.crictl().toString());
    return values;
  }

  /** The value of {@code variable}; the line must be there exactly once. */
  public String value(String variable) {
    return line(variable).value;
  }

  public boolean carries(TargetVersions target) {
    return wanted(target).entrySet().stream().allMatch(e -> e.getValue().equals(value(e.getKey())));
  }

  /** What would change to carry {@code target}, variable by variable; empty when it already does. */
  public List<VersionChange> changesTo(TargetVersions target) {
    List<VersionChange> changes = new ArrayList<>();
    wanted(target).forEach((variable, to) -> {
      String from = value(variable);
      if (!to.equals(from)) {
        changes.add(new VersionChange(variable, from, to));
      }
    });
    return changes;
  }

  /** What differs from {@code before} in the three variables (for a ref moved from one commit to another). */
  public List<VersionChange> changesFrom(ConfigFile before) {
    List<VersionChange> changes = new ArrayList<>();
    for (String variable : List.of(KUBERNETES, CNI, CRICTL)) {
      String from = before.value(variable);
      String to = value(variable);
      if (!to.equals(from)) {
        changes.add(new VersionChange(variable, from, to));
      }
    }
    return changes;
  }

  /** The file with the three values set; the same text when it already carries them. */
  public ConfigFile edit(TargetVersions target) {
    // Replaced from the last line to the first, so earlier offsets stay valid.
    List<Line> lines = new ArrayList<>();
    Map<String, String> values = wanted(target);
    values.keySet().forEach(v -> lines.add(line(v)));
    lines.sort((a, b) -> Integer.compare(b.start, a.start));
    StringBuilder edited = new StringBuilder(text);
    for (Line l : lines) {
      edited.replace(l.start, l.end, values.get(l.variable));
    }
    return new ConfigFile(path, edited.toString());
  }

  /** Where a variable's value sits: {@code start}..{@code end} in the text, without quotes. */
  private record Line(String variable, int number, int start, int end, String value) {}

  private Line line(String variable) {
    // `export NAME=value`, value optionally quoted; a trailing comment or spaces are kept as they are.
    Pattern p = Pattern.compile("(?m)^[ \\t]*export[ \\t]+" + Pattern.quote(variable)
        + "=(?:\"([^\"\\r\\n]*)\"|'([^'\\r\\n]*)'|([^\\s#;]*))");
    Matcher m = p.matcher(text);
    Line found = null;
    while (m.find()) {
      int group = m.group(1) != null ? 1 : m.group(2) != null ? 2 : 3;
      Line l = new Line(variable, lineNumber(m.start()), m.start(group), m.end(group), m.group(group));
      if (found != null) {
        throw ApplicationFailure.newNonRetryableFailure(path + ": `export " + variable + "=` is set twice (lines "
            + found.number + " and " + l.number + "): which one the build uses is not for us to guess; fix the file",
            MALFORMED);
      }
      found = l;
    }
    if (found == null) {
      throw ApplicationFailure.newNonRetryableFailure(path + ": has no `export " + variable + "=` line: is this the"
          + " images' config file (images.configFile)?", MALFORMED);
    }
    if (found.value.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(path + ": line " + found.number + ": `export " + variable
          + "=` has no value", MALFORMED);
    }
    return found;
  }

  private int lineNumber(int offset) {
    int n = 1;
    for (int i = 0; i < offset; i++) {
      if (text.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }
}
