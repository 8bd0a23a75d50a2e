package org.fleetupgrade.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import io.temporal.failure.ApplicationFailure;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stage's Kubernetes API: from a kubeconfig file and context, or in-cluster credentials (the
 * worker's ServiceAccount) when no kubeconfig is given and the worker runs inside the cluster.
 */
public final class StageCluster implements AutoCloseable {

  public static final String UNREACHABLE = "ClusterUnreachable";

  private final String stage;
  private final KubernetesClient client;

  private StageCluster(String stage, KubernetesClient client) {
    this.stage = stage;
    this.client = client;
  }

  /**
   * @param kubeconfig a kubeconfig file, or null for in-cluster credentials (or the usual discovery)
   * @param context a context in it, or null for its current context
   */
  public static StageCluster connect(String stage, Path kubeconfig, String context) {
    Config config;
    if (kubeconfig == null) {
      config = Config.autoConfigure(context);
    } else {
      if (!Files.isReadable(kubeconfig)) {
        throw new IllegalArgumentException("stage " + stage + ": kubeconfig " + kubeconfig + " is not readable");
      }
      config = Config.fromKubeconfig(context, new File(kubeconfig.toString()));
    }
    // Budgets and drains handle their own retries; the client should not hide a 429 for ~19 s.
    config.setRequestRetryBackoffLimit(1);
    return new StageCluster(stage, new KubernetesClientBuilder().withConfig(config).build());
  }

  /** A stage on an existing client (in-cluster wiring, tests). */
  public static StageCluster of(String stage, KubernetesClient client) {
    return new StageCluster(stage, client);
  }

  /** Asks the API server its version: preflight's first question, with a failure naming stage and endpoint. */
  public VersionInfo checkReachable() {
    try {
      return client.getKubernetesVersion();
    } catch (KubernetesClientException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      throw ApplicationFailure.newFailure("stage " + stage + ": cannot reach the cluster at "
          + client.getMasterUrl() + ": " + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()),
          UNREACHABLE);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
  }
}
