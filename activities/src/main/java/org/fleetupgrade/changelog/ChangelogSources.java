package org.fleetupgrade.changelog;

import java.net.URI;

/**
 * Where the changelog and the release channels live; defaults are the official ones. Both are
 * configurable for mirrors, proxies and tests.
 */
public record ChangelogSources(URI changelogBase, URI releaseBase) {

  public static final URI DEFAULT_CHANGELOG_BASE =
      URI.create("https://raw.githubusercontent.com/kubernetes/kubernetes/master/CHANGELOG/");
  public static final URI DEFAULT_RELEASE_BASE = URI.create("https://dl.k8s.io/release/");

  public ChangelogSources {
    changelogBase = withSlash(changelogBase);
    releaseBase = withSlash(releaseBase);
  }

  public static ChangelogSources official() {
    return new ChangelogSources(DEFAULT_CHANGELOG_BASE, DEFAULT_RELEASE_BASE);
  }

  /** CHANGELOG-1.31.md */
  public URI changelog(int major, int minor) {
    return changelogBase.resolve("CHANGELOG-" + major + "." + minor + ".md");
  }

  /** stable.txt: the latest stable release. */
  public URI stable() {
    return releaseBase.resolve("stable.txt");
  }

  /** stable-1.30.txt: the latest patch of a minor. */
  public URI stable(int major, int minor) {
    return releaseBase.resolve("stable-" + major + "." + minor + ".txt");
  }

  private static URI withSlash(URI uri) {
    String s = uri.toString();
    return s.endsWith("/") ? uri : URI.create(s + "/");
  }
}
