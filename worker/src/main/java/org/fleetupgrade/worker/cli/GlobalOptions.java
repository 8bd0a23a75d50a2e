package org.fleetupgrade.worker.cli;

import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine.Option;

/** Connection options, named as in the Temporal CLI, with the same environment variables. */
public class GlobalOptions {

  @Option(names = "--address", paramLabel = "HOST:PORT", defaultValue = "${env:TEMPORAL_ADDRESS}",
      description = "Temporal frontend (env TEMPORAL_ADDRESS; default: the config's, else localhost:7233)")
  String address;

  @Option(names = "--namespace", paramLabel = "NAME", defaultValue = "${env:TEMPORAL_NAMESPACE}",
      description = "Temporal namespace (env TEMPORAL_NAMESPACE; default: the config's, else default)")
  String namespace;

  @Option(names = "--tls", defaultValue = "${env:TEMPORAL_TLS:-false}",
      description = "Use TLS with the system's CAs (env TEMPORAL_TLS)")
  boolean tls;

  @Option(names = "--tls-cert-path", paramLabel = "FILE", defaultValue = "${env:TEMPORAL_TLS_CERT}",
      description = "Client certificate for mTLS (env TEMPORAL_TLS_CERT)")
  String tlsCertPath;

  @Option(names = "--tls-key-path", paramLabel = "FILE", defaultValue = "${env:TEMPORAL_TLS_KEY}",
      description = "Client private key for mTLS (env TEMPORAL_TLS_KEY)")
  String tlsKeyPath;

  @Option(names = "--tls-ca-path", paramLabel = "FILE", defaultValue = "${env:TEMPORAL_TLS_CA}",
      description = "CA certificate to verify the server (env TEMPORAL_TLS_CA)")
  String tlsCaPath;

  /**
   * Connects, preferring flags and environment over the config's defaults. An address without a
   * port (which used to end in "connection refused") or an unknown namespace is bad input.
   */
  public TemporalConnection connect(String configAddress, String configNamespace) {
    return connect(configAddress, configNamespace, null);
  }

  /** As {@link #connect(String, String)}, reporting the SDK's metrics to {@code metricsScope} (null: none). */
  public TemporalConnection connect(String configAddress, String configNamespace, com.uber.m3.tally.Scope metricsScope) {
    String a = blankToNull(address) != null ? address : configAddress != null ? configAddress : "localhost:7233";
    String n = blankToNull(namespace) != null ? namespace : configNamespace != null ? configNamespace : "default";
    TemporalConnection.checkAddress(blankToNull(address) != null ? "--address (or TEMPORAL_ADDRESS)"
        : "temporal.address", a);
    return TemporalConnection.open(a, n,
        new TemporalConnection.Tls(tls, blankToNull(tlsCertPath), blankToNull(tlsKeyPath), blankToNull(tlsCaPath)),
        metricsScope);
  }

  public TemporalConnection connect() {
    return connect(null, null);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
