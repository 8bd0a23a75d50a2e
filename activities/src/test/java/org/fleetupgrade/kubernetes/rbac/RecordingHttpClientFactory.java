package org.fleetupgrade.kubernetes.rbac;

import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;

/**
 * fabric8's own HTTP client (Vert.x 5), with {@link AdapterRequests.Recorder} on every client it
 * builds. Registered in META-INF/services of this module's tests: fabric8 picks the factory of the
 * highest priority (its own is -1), so every client a test builds, the mock server's included, has it.
 */
public final class RecordingHttpClientFactory extends Vertx5HttpClientFactory {

  static final String INTERCEPTOR = "fleetupgrade-adapter-requests";

  @Override
  public Vertx5HttpClientBuilder<Vertx5HttpClientFactory> newBuilder() {
    Vertx5HttpClientBuilder<Vertx5HttpClientFactory> builder = super.newBuilder();
    builder.addOrReplaceInterceptor(INTERCEPTOR, new AdapterRequests.Recorder());
    return builder;
  }

  @Override
  public int priority() {
    return 100;
  }
}
