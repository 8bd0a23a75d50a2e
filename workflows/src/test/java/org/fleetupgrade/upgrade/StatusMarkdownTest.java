package org.fleetupgrade.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusMarkdownTest {

  @Test
  void commandsAreCodeSoTheWebUiKeepsTheirDashesAndDots() {
    assertThat(StatusMarkdown.commands("WAITING_APPROVAL (approve with: fleet-upgrade approve fleet-upgrade-v1.31.2"
        + " sandbox --reason ...)"))
        .isEqualTo("WAITING_APPROVAL (approve with: `fleet-upgrade approve fleet-upgrade-v1.31.2 sandbox --reason ...`)");
    assertThat(StatusMarkdown.commands("approve with: fleet-upgrade approve ID sandbox --reason ..."))
        .isEqualTo("approve with: `fleet-upgrade approve ID sandbox --reason ...`");
    assertThat(StatusMarkdown.commands("stage done")).isEqualTo("stage done");
    assertThat(StatusMarkdown.commands(null)).isNull();
  }
}
