package org.fleetupgrade.reboot.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.fleetupgrade.controlplane.ssh.ScriptHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Method names as the configuration writes them, and the factory. */
class RebootTriggersTest {

  @TempDir
  Path dir;

  @Test
  void parsesTheConfigurationNames() {
    // Given the names the configuration uses, When parsed, Then each is its method
    assertThat(RebootMethod.parse("ssh")).isEqualTo(RebootMethod.SSH);
    assertThat(RebootMethod.parse("reboot-api")).isEqualTo(RebootMethod.REBOOT_API);
    assertThat(RebootMethod.parse("kured-sentinel")).isEqualTo(RebootMethod.KURED_SENTINEL);
    assertThat(RebootMethod.KURED_SENTINEL.configName()).isEqualTo("kured-sentinel");
  }

  @Test
  void anUnknownNameIsRefusedListingTheValidOnes() {
    // Given names that are not the configuration's (an enum constant, another case, nothing)
    for (String name : new String[] {"REBOOT_API", "SSH", "kured", "", null}) {
      // When parsed, Then they are refused with the valid names
      assertThatThrownBy(() -> RebootMethod.parse(name))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("unknown reboot method '" + name + "': valid methods are ssh, reboot-api, kured-sentinel");
    }
  }

  @Test
  void buildsEachMethodFromTheSettingsItUses() throws Exception {
    // Given SSH settings for a node and reboot API settings
    try (ScriptHost host = new ScriptHost()) {
      SshTriggerSettings ssh = SshTriggerSettings.of(host.settings(dir, host.hostKey, host.clientKey,
          Duration.ofSeconds(5)));
      RebootApiSettings api = RebootApiSettings.of(URI.create("https://reboot-api.example.org"));

      // When each method is built, Then it is the trigger of that method
      try (RebootTrigger t = RebootTriggers.of(RebootMethod.SSH, ssh, null)) {
        assertThat(t).isInstanceOf(SshRebootTrigger.class);
        assertThat(t.method()).isEqualTo("ssh");
      }
      try (RebootTrigger t = RebootTriggers.of(RebootMethod.KURED_SENTINEL, ssh, null)) {
        assertThat(t).isInstanceOf(SentinelRebootTrigger.class);
        assertThat(t.method()).isEqualTo("kured-sentinel");
      }
      try (RebootTrigger t = RebootTriggers.of(RebootMethod.REBOOT_API, null, api)) {
        assertThat(t).isInstanceOf(RebootApiTrigger.class);
        assertThat(t.method()).isEqualTo("reboot-api");
      }
      // And the defaults are port 22, sudo systemctl reboot, /run/mlab-reboot, 30 s
      assertThat(ssh.port()).isEqualTo(22);
      assertThat(ssh.rebootCommand()).isEqualTo("sudo systemctl reboot");
      assertThat(ssh.sentinelPath()).isEqualTo("/run/mlab-reboot");
      assertThat(ssh.timeout()).isEqualTo(Duration.ofSeconds(30));
    }
  }

  @Test
  void aMethodWithoutItsSettingsIsRefused() {
    // Given no settings, When a method that needs them is built, Then it is refused naming what is missing
    assertThatThrownBy(() -> RebootTriggers.of(RebootMethod.SSH, null, null))
        .hasMessage("reboot method ssh needs SSH settings");
    assertThatThrownBy(() -> RebootTriggers.of(RebootMethod.REBOOT_API, null, null))
        .hasMessage("reboot method reboot-api needs reboot API settings");
  }
}
