package org.fleetupgrade.reboot.kured;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** kured's DaemonSet and lock values as M-Lab's cluster has them (chart kured 5.10.0, release kubereboot). */
public final class KuredDaemonSets {

  public static final String NAMESPACE = "default";
  public static final String NAME = "kubereboot-kured";
  public static final String KEY = "weave.works/kured-node-lock";
  static final long FOUR_HOURS_NS = 14_400_000_000_000L;

  /** The args chart 5.10.0 renders with k8s-support's helm/kured-values-overrides.yaml. */
  public static final List<String> MLAB_ARGS = List.of("--ds-name=kubereboot-kured", "--ds-namespace=default",
      "--metrics-port=8080", "--lock-ttl=4h", "--period=1h", "--concurrency=1", "--reboot-sentinel=/run/mlab-reboot");

  private KuredDaemonSets() {}

  public static DaemonSet daemonSet(String resourceVersion, Map<String, String> annotations, List<String> args) {
    return new DaemonSetBuilder()
        .withNewMetadata()
          .withName(NAME).withNamespace(NAMESPACE).withResourceVersion(resourceVersion)
          .addToAnnotations("deprecated.daemonset.template.generation", "3")
          .addToAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
          .withNewSelector().addToMatchLabels("app.kubernetes.io/name", "kured").endSelector()
          .withNewTemplate()
            .withNewMetadata().addToLabels("app.kubernetes.io/name", "kured").endMetadata()
            .withNewSpec()
              .addNewContainer()
                .withName("kured").withImage("ghcr.io/kubereboot/kured:1.20.0")
                .withCommand("/usr/bin/kured").withArgs(args)
                .addNewEnv().withName("KURED_NODE_ID")
                  .withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom()
                .endEnv()
              .endContainer()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /** A lock exactly as kured's Go code marshals it: RFC 3339 with nanoseconds, TTL in nanoseconds. */
  static String nodeLock(String node, String created, long ttlNanos) {
    return "{\"nodeID\":\"" + node + "\",\"metadata\":{\"unschedulable\":false},\"created\":\"" + created
        + "\",\"TTL\":" + ttlNanos + "}";
  }

  static String multiLock(int maxOwners, String... locks) {
    return "{\"maxOwners\":" + maxOwners + ",\"locks\":[" + String.join(",", locks) + "]}";
  }

  static Instant instant(String rfc3339) {
    return Instant.parse(rfc3339);
  }
}
