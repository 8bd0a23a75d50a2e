package org.fleetupgrade.version;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Comparator;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A release version in the {@code vMAJOR.MINOR.PATCH[-pre]} form used by Kubernetes, the CNI
 * plugins and crictl. It serializes as its text ("v1.31.2") so workflow histories stay readable.
 */
public record ReleaseVersion(int major, int minor, int patch, String preRelease)
    implements Comparable<ReleaseVersion> {

  // Strict on purpose: these strings end up in URLs and shell commands on control-plane hosts.
  private static final Pattern FORMAT =
      Pattern.compile("v(0|[1-9]\\d{0,3})\\.(0|[1-9]\\d{0,3})\\.(0|[1-9]\\d{0,3})(?:-([0-9A-Za-z.]{1,32}))?");

  private static final Comparator<ReleaseVersion> ORDER =
      Comparator.comparingInt(ReleaseVersion::major)
          .thenComparingInt(ReleaseVersion::minor)
          .thenComparingInt(ReleaseVersion::patch)
          // A release sorts after its own pre-releases (v1.31.0-rc.1 < v1.31.0).
          .thenComparing(v -> v.preRelease == null ? "\uffff" : v.preRelease);

  public ReleaseVersion {
    if (major < 0 || minor < 0 || patch < 0) {
      throw new InvalidVersionException("version numbers must not be negative");
    }
    if (preRelease != null && preRelease.isEmpty()) {
      preRelease = null;
    }
  }

  /** Parses {@code vMAJOR.MINOR.PATCH} with an optional pre-release suffix such as {@code -rc.1}. */
  @JsonCreator
  public static ReleaseVersion parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidVersionException("a version is required (expected vMAJOR.MINOR.PATCH, e.g. v1.31.2)");
    }
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches()) {
      throw new InvalidVersionException(
          "'" + text + "' is not a release version: expected vMAJOR.MINOR.PATCH, e.g. v1.31.2");
    }
    return new ReleaseVersion(
        Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4));
  }

  public static ReleaseVersion of(int major, int minor, int patch) {
    return new ReleaseVersion(major, minor, patch, null);
  }

  public boolean isPreRelease() {
    return preRelease != null;
  }

  /** "1.31": how the Kubernetes project names a minor release line. */
  public String minorLine() {
    return major + "." + minor;
  }

  public boolean sameMinorAs(ReleaseVersion other) {
    return major == other.major && minor == other.minor;
  }

  @Override
  public int compareTo(ReleaseVersion other) {
    return ORDER.compare(this, Objects.requireNonNull(other));
  }

  @JsonValue
  @Override
  public String toString() {
    return "v" + major + "." + minor + "." + patch + (preRelease == null ? "" : "-" + preRelease);
  }
}
