package org.fleetupgrade.changelog;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.UpgradeDecision;
import org.fleetupgrade.version.UpgradePath;
import org.fleetupgrade.version.UpgradePolicy;

/**
 * The changelog review against the real sources: the release channels for the path and the stable
 * check, then CHANGELOG-1.NN.md of the target's minor for what an operator must read. Only the
 * extracted notes, bounded, leave this class.
 */
public class HttpChangelogActivities implements ChangelogActivities {

  private final ChangelogSources sources;
  private final TextFetcher fetcher;

  public HttpChangelogActivities(ChangelogSources sources, TextFetcher fetcher) {
    this.sources = sources;
    this.fetcher = fetcher;
  }

  @Override
  public ChangelogReview review(ReviewRequest request) {
    try {
      return reviewOrThrow(request);
    } catch (NotPublishedException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage() + ": not published (yet)?", NOT_PUBLISHED);
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("cannot read the changelog: " + e.getMessage(), "ChangelogUnavailable");
    }
  }

  ChangelogReview reviewOrThrow(ReviewRequest request) throws IOException {
    ReleaseVersion target = request.target().kubernetes();
    ReleaseVersion current = request.oldestCurrent();
    if (request.target().cni().isPreRelease()) {
      throw rejected("cni " + request.target().cni() + " is a pre-release: CNI plugins must be a release version");
    }
    ReleaseVersion stable = version(sources.stable());
    UpgradePath.checkAgainstStable(target, stable, request.allowPrerelease()).ifPresent(reason -> {
      throw rejected(reason);
    });
    List<ReleaseVersion> path = current == null ? List.of(target) : List.of(current, target);
    if (current != null) {
      UpgradeDecision decision = UpgradePolicy.decide(current, target);
      if (decision.kind() == UpgradeDecision.Kind.SKIPS_MINOR) {
        List<ReleaseVersion> through = UpgradePath.plan(current, target, minor -> latestPatch(target.major(), minor));
        throw rejected(decision.reason() + "; the path is " + UpgradePath.describe(through)
            + ", one upgrade per step");
      }
      if (!decision.allowed()) {
        throw rejected(decision.reason());
      }
    }

    URI changelog = sources.changelog(target.major(), target.minor());
    List<ReleaseSection> sections = ChangelogParser.parse(fetcher.get(changelog));
    if (sections.stream().noneMatch(s -> s.version().equals(target))) {
      throw new NotPublishedException(URI.create(changelog + "#" + target.toString().replace(".", "")));
    }
    List<ReleaseSection> relevant = sections.stream()
        .filter(s -> s.version().compareTo(target) <= 0)
        .filter(s -> current == null || s.version().compareTo(current) > 0)
        .filter(s -> target.isPreRelease() || !s.version().isPreRelease())
        .toList();

    Bounded urgent = new Bounded();
    Bounded deprecations = new Bounded();
    Bounded security = new Bounded();
    Bounded kubeadm = new Bounded();
    for (ReleaseSection section : relevant) {
      String release = section.version().toString();
      section.urgentNotes().forEach(n -> urgent.add(release, n));
      if (section.version().patch() == 0 && !section.version().isPreRelease()) {
        section.deprecations().forEach(n -> deprecations.add(release, n));
      }
      section.securityIssues().forEach(n -> security.add(release, n));
      section.changes().stream().filter(c -> c.toLowerCase(Locale.ROOT).contains("kubeadm"))
          .forEach(n -> kubeadm.add(release, n));
    }
    List<String> warnings = new ArrayList<>(request.target().warnings());
    UpgradePath.staleness(target, stable).ifPresent(warnings::add);
    int omitted = urgent.omitted + deprecations.omitted + security.omitted + kubeadm.omitted;
    return new ChangelogReview(changelog.toString(), current, target, stable, path, urgent.notes, deprecations.notes,
        security.notes, kubeadm.notes, warnings, omitted);
  }

  private ReleaseVersion latestPatch(int major, int minor) {
    try {
      return version(sources.stable(major, minor));
    } catch (IOException e) {
      throw ApplicationFailure.newFailure("cannot read the latest patch of " + major + "." + minor + ": " + e.getMessage(),
          "ChangelogUnavailable");
    }
  }

  /** A release channel file holds one version, e.g. "v1.31.2\n". */
  private ReleaseVersion version(URI uri) throws IOException {
    String text = fetcher.get(uri).trim();
    try {
      return ReleaseVersion.parse(text);
    } catch (InvalidVersionException e) {
      throw new IOException(uri + ": not a release version: '" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
    }
  }

  private static ApplicationFailure rejected(String reason) {
    return ApplicationFailure.newNonRetryableFailure(reason, PATH_REJECTED);
  }

  /** Keeps history small: at most MAX_NOTES notes of at most MAX_NOTE_CHARS each. */
  private static final class Bounded {
    final List<ReleaseNote> notes = new ArrayList<>();
    int omitted;

    void add(String release, String text) {
      if (notes.size() >= ChangelogReview.MAX_NOTES) {
        omitted++;
        return;
      }
      String bounded = text.length() <= ChangelogReview.MAX_NOTE_CHARS ? text
          : text.substring(0, ChangelogReview.MAX_NOTE_CHARS) + " ...";
      notes.add(new ReleaseNote(release, bounded));
    }
  }
}
