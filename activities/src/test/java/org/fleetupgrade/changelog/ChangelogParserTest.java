package org.fleetupgrade.changelog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.Test;

class ChangelogParserTest {

  static String fixture(String name) throws IOException {
    try (InputStream in = ChangelogParserTest.class.getResourceAsStream("/changelog/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static ReleaseSection section(List<ReleaseSection> sections, String version) {
    return sections.stream().filter(s -> s.version().equals(ReleaseVersion.parse(version))).findFirst().orElseThrow();
  }

  @Test
  void oneSectionPerReleaseNewestFirstAndTheTableOfContentsIsNotOne() throws IOException {
    List<ReleaseSection> sections = ChangelogParser.parse(fixture("CHANGELOG-1.31.md"));

    assertThat(sections).extracting(s -> s.version().toString())
        .containsExactly("v1.31.3", "v1.31.2", "v1.31.1", "v1.31.0", "v1.31.0-rc.1", "v1.31.0-alpha.1");
  }

  @Test
  void urgentNotesAreSeparateItemsWithTheirNestedLines() throws IOException {
    ReleaseSection zero = section(ChangelogParser.parse(fixture("CHANGELOG-1.31.md")), "v1.31.0");

    assertThat(zero.urgentNotes()).hasSize(3);
    assertThat(zero.urgentNotes().get(0))
        .startsWith("Added support to the scheduler to start using QueueingHint")
        .contains("\nPreviously, when unschedulable Pods are updated", "\n\nAction required for custom scheduler plugin developers:")
        .endsWith("[SIG Scheduling and Testing]");
    assertThat(zero.urgentNotes().get(1)).startsWith("Kubelet flag `--keep-terminated-pod-volumes` was removed.")
        .doesNotContain("\n");
    assertThat(zero.urgentNotes().get(2)).contains("ACTION REQUIRED: pass `--certificate-renewal=false`");
  }

  @Test
  void anUrgentNotesListIndentedByTwoSpacesIsReadItemByItem() {
    // Given a pre-release's urgent notes whose list is indented by two spaces, as real changelogs have
    String markdown = """
        # v1.32.0-rc.0

        ## Urgent Upgrade Notes

        ### (No, really, you MUST read this before you upgrade)

          - kubeadm: the flag `--foo` was removed.
            Use `--bar` instead.
              - a nested bullet
          - Second note.
         - A third, one space less.

        ## Changes by Kind
        """;

    // Then every top-level bullet is an item, with its nested lines
    ReleaseSection rc = ChangelogParser.parse(markdown).get(0);
    assertThat(rc.urgentNotes()).containsExactly(
        "kubeadm: the flag `--foo` was removed.\nUse `--bar` instead.\n  - a nested bullet",
        "Second note.", "A third, one space less.");
  }

  @Test
  void deprecationsSecurityIssuesAndChangesAreSeparated() throws IOException {
    List<ReleaseSection> sections = ChangelogParser.parse(fixture("CHANGELOG-1.31.md"));
    ReleaseSection zero = section(sections, "v1.31.0");

    assertThat(zero.deprecations()).hasSize(2);
    assertThat(zero.deprecations().get(0)).contains("\n- AzureDiskLimits\n- CinderLimits\n\nThe NodeVolumeLimits plugin");
    assertThat(zero.changes()).hasSize(4).containsAll(zero.deprecations());
    assertThat(section(sections, "v1.31.2").securityIssues()).containsExactly(
        "CVE-2024-9486: VM images built with Image Builder use default credentials",
        "CVE-2024-9594: VM images built with Image Builder with some providers use default credentials during builds");
    assertThat(section(sections, "v1.31.2").urgentNotes()).isEmpty();
    assertThat(section(sections, "v1.31.1").urgentNotes()).isEmpty();
    assertThat(section(sections, "v1.31.1").securityIssues()).isEmpty();
    assertThat(section(sections, "v1.31.3").changes())
        .as("dependency bumps are not change items").noneMatch(c -> c.contains("kubeadm-helper"));
  }
}
