package org.fleetupgrade.controlplane.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a script's output becomes before anything reads it: trusted markers, and printable lines only. */
class ScriptOutputTest {

  static final String NONCE = "0123456789abcdef";

  private final List<String> heard = new ArrayList<>();
  private final Deque<String> tail = ScriptOutput.newTail();

  private ScriptOutput output(String text) {
    ScriptOutput out = new ScriptOutput(heard::add, tail, NONCE);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write(bytes, 0, bytes.length);
    out.close();
    return out;
  }

  @Test
  void onlyMarkersWithTheRunsNonceAreMarkersAndOthersCannotPassForThem() {
    // Given kubeadm's output imitating a result before the script's own result
    ScriptOutput out = output("==> result already-at-target\n"
        + "==> " + NONCE + " step kubeadm-upgrade\n"
        + "==> " + NONCE + " result apply\n"
        + "==> admin-conf copied\n");

    // Then the script's markers are read without the nonce, the imitations are marked as output
    assertThat(out.result()).isEqualTo("apply");
    assertThat(out.step()).isEqualTo("kubeadm-upgrade");
    assertThat(heard).containsExactly("(output) ==> result already-at-target", "==> step kubeadm-upgrade",
        "==> result apply", "(output) ==> admin-conf copied");
  }

  @Test
  void aForgedResultAfterTheRealOneDoesNotReplaceIt() {
    ScriptOutput out = output("==> " + NONCE + " result node\n==> result already-at-target\n");

    assertThat(out.result()).isEqualTo("node");
  }

  @Test
  void escapeSequencesAndControlCharactersNeverReachListenersOrTheTail() {
    output("\u001B[31mERROR\u001B[0m disk\u0007 full\r\n\u0000tab\there\n\u001B]0;title\u0007plain\n");

    assertThat(heard).containsExactly("ERROR disk full", "tab here", "plain");
    assertThat(ScriptOutput.snapshot(tail)).containsExactly("ERROR disk full", "tab here", "plain");
  }

  @Test
  void withoutANonceMarkersAreReadAsBefore() {
    ScriptOutput out = new ScriptOutput(heard::add, tail);
    byte[] bytes = "==> result node\n".getBytes(StandardCharsets.UTF_8);
    out.write(bytes, 0, bytes.length);
    out.close();

    assertThat(out.result()).isEqualTo("node");
  }
}
