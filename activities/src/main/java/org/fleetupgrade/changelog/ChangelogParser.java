package org.fleetupgrade.changelog;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * Reads the Kubernetes CHANGELOG-1.NN.md format: a generated table of contents, then one
 * {@code # vX.Y.Z} section per release (pre-releases included), newest first. Within a section,
 * "## Urgent Upgrade Notes" (with its "### (No, really, you MUST read this before you upgrade)"),
 * "## Important Security Information" (one "### CVE-..." heading per issue) and "## Changes by
 * Kind" (one "### Kind" per kind, "Deprecation" among them) hold bullet items; an item's nested
 * lines are indented by two or more spaces.
 */
public final class ChangelogParser {

  private static final String TOC_END = "<!-- END MUNGE: GENERATED_TOC -->";
  private static final Pattern SECTION = Pattern.compile("^# (v\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.]+)?)\\s*$");
  private static final Pattern H2 = Pattern.compile("^## (.*?)\\s*$");
  private static final Pattern H3 = Pattern.compile("^### (.*?)\\s*$");
  /**
   * A bullet. Which bullets are items is decided by indentation: the first under a heading opens
   * the list however it is indented (up to three spaces: real changelogs indent some lists by two,
   * e.g. under a pre-release's "No, really" heading), and later ones at that indentation, or one
   * space more or less (the generator wobbles), are items too; deeper ones are nested in an item.
   */
  private static final Pattern BULLET = Pattern.compile("^( *)[-*] (.*)$");

  private ChangelogParser() {}

  public static List<ReleaseSection> parse(String markdown) {
    String[] lines = markdown.replace("\r\n", "\n").split("\n", -1);
    int start = 0;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].trim().equals(TOC_END)) {
        start = i + 1;
        break;
      }
    }
    List<ReleaseSection> sections = new ArrayList<>();
    Builder current = null;
    for (int i = start; i < lines.length; i++) {
      String line = lines[i];
      Matcher section = SECTION.matcher(line);
      if (section.matches()) {
        if (current != null) {
          sections.add(current.build());
        }
        current = new Builder(ReleaseVersion.parse(section.group(1)));
        continue;
      }
      if (current != null) {
        current.line(line);
      }
    }
    if (current != null) {
      sections.add(current.build());
    }
    return sections;
  }

  private static final class Builder {
    private final ReleaseVersion version;
    private final List<String> urgent = new ArrayList<>();
    private final List<String> deprecations = new ArrayList<>();
    private final List<String> security = new ArrayList<>();
    private final List<String> changes = new ArrayList<>();
    private String h2 = "";
    private String h3 = "";
    private StringBuilder item;
    /** The indentation of the open item's bullet. */
    private int itemIndent;

    Builder(ReleaseVersion version) {
      this.version = version;
    }

    void line(String line) {
      Matcher h2m = H2.matcher(line);
      Matcher h3m = H3.matcher(line);
      if (h2m.matches()) {
        closeItem();
        h2 = h2m.group(1);
        h3 = "";
        return;
      }
      if (h3m.matches()) {
        closeItem();
        h3 = h3m.group(1);
        if (h2.startsWith("Important Security Information") && h3.startsWith("CVE-")) {
          security.add(h3);
        }
        return;
      }
      int leading = line.length() - line.stripLeading().length();
      Matcher bullet = BULLET.matcher(line);
      if (bullet.matches() && (item == null ? leading <= 3 : leading <= itemIndent + 1)) {
        closeItem();
        item = new StringBuilder(bullet.group(2).trim());
        itemIndent = leading;
        return;
      }
      if (item != null && (line.isBlank() || leading > itemIndent)) {
        // Nested lines (any deeper than the item's bullet) keep their indentation beyond the item's
        // own: its bullet's and two spaces.
        int own = Math.max(2, itemIndent + 2);
        item.append('\n').append(line.isBlank() ? "" : line.substring(Math.min(own, leading)).stripTrailing());
        return;
      }
      closeItem();
    }

    private void closeItem() {
      if (item == null) {
        return;
      }
      String text = item.toString().strip();
      item = null;
      if (h2.startsWith("Urgent Upgrade Notes")) {
        urgent.add(text);
      } else if (h2.equals("Changes by Kind")) {
        changes.add(text);
        if (h3.equals("Deprecation")) {
          deprecations.add(text);
        }
      }
    }

    ReleaseSection build() {
      closeItem();
      return new ReleaseSection(version, urgent, deprecations, security, changes);
    }
  }
}
