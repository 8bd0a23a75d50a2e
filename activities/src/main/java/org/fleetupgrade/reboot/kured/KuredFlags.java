package org.fleetupgrade.reboot.kured;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * kured's configuration as its DaemonSet hands it over: flags on the command line
 * ({@code --name=value} or {@code --name value}; the last one wins, as with pflag), overridden by
 * {@code KURED_<NAME>} environment variables (kured's LoadFromEnv runs after flag parsing). A value
 * that may come from a ConfigMap or Secret (valueFrom, envFrom) cannot be read here: it is unknown,
 * never guessed, so callers fall back to what the lock annotation itself shows.
 */
final class KuredFlags {

  private final Container kured;

  private KuredFlags(Container kured) {
    this.kured = kured;
  }

  /** kured's container: the one given KURED_NODE_ID (kured refuses to start without it) or running kured. */
  static KuredFlags of(DaemonSet daemonSet) {
    List<Container> containers = daemonSet.getSpec() == null || daemonSet.getSpec().getTemplate() == null
        || daemonSet.getSpec().getTemplate().getSpec() == null
        ? List.of() : daemonSet.getSpec().getTemplate().getSpec().getContainers();
    Container found = null;
    for (Container c : containers == null ? List.<Container>of() : containers) {
      boolean nodeId = c.getEnv() != null && c.getEnv().stream().anyMatch(e -> "KURED_NODE_ID".equals(e.getName()));
      if (nodeId || tokens(c).stream().anyMatch(t -> t.endsWith("/kured") || t.equals("kured"))) {
        found = c;
        break;
      }
    }
    return new KuredFlags(found);
  }

  /** The flag's effective value when the DaemonSet states it for certain. */
  Optional<String> known(String flag) {
    if (kured == null) {
      return Optional.empty();
    }
    Optional<EnvVar> env = env(flag);
    if (env.isPresent()) {
      return env.get().getValueFrom() == null ? Optional.of(env.get().getValue() == null ? "" : env.get().getValue()) : Optional.empty();
    }
    if (kured.getEnvFrom() != null && !kured.getEnvFrom().isEmpty()) {
      return Optional.empty();
    }
    return flagValue(flag);
  }

  /** Whether nothing sets the flag, for certain: kured runs with its built-in default. */
  boolean defaulted(String flag) {
    return kured != null && env(flag).isEmpty() && (kured.getEnvFrom() == null || kured.getEnvFrom().isEmpty())
        && flagValue(flag).isEmpty();
  }

  /** kured's --concurrency: as stated, 1 (kured's default) when nothing sets it, empty when we cannot tell. */
  OptionalInt concurrency() {
    Optional<String> value = known("concurrency");
    if (value.isPresent()) {
      try {
        return OptionalInt.of(Integer.parseInt(value.get().trim()));
      } catch (NumberFormatException e) {
        return OptionalInt.empty();
      }
    }
    return defaulted("concurrency") ? OptionalInt.of(1) : OptionalInt.empty();
  }

  private Optional<EnvVar> env(String flag) {
    String name = "KURED_" + flag.replace('-', '_').toUpperCase(Locale.ROOT);
    return kured.getEnv() == null ? Optional.empty() : kured.getEnv().stream().filter(e -> name.equals(e.getName())).reduce((a, b) -> b);
  }

  /** Scanned per flag, so a boolean flag before it (--force-reboot) is never mistaken for taking a value. */
  private Optional<String> flagValue(String flag) {
    List<String> tokens = tokens(kured);
    String value = null;
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (t.equals("--")) {
        break;
      } else if (t.startsWith("--" + flag + "=")) {
        value = t.substring(flag.length() + 3);
      } else if (t.equals("--" + flag) && i + 1 < tokens.size()) {
        value = tokens.get(++i);
      }
    }
    return Optional.ofNullable(value);
  }

  private static List<String> tokens(Container c) {
    List<String> all = new ArrayList<>();
    if (c.getCommand() != null) {
      all.addAll(c.getCommand());
    }
    if (c.getArgs() != null) {
      all.addAll(c.getArgs());
    }
    return all;
  }
}
