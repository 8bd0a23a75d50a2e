package org.fleetupgrade.controlplane.ssh;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.fleetupgrade.status.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a script on a host over SSH (Apache MINA SSHD): the host key must be in the known_hosts file,
 * pinned or certified by a {@code @cert-authority} there (an unknown, changed, revoked or badly
 * certified key is refused, never accepted; see {@link KnownHostsVerifier}), the script goes to the
 * remote command's standard input, its output is streamed line by line, and it has a deadline. A
 * script run with {@link #runStoppable} runs in its own process group on the host, and is stopped
 * there when its deadline passes or its watch says so ({@link RemoteProcessGroups}).
 */
public final class SshExecutor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SshExecutor.class);

  private final SshSettings settings;
  private final RemoteProcessGroups groups;
  private final SshClient client;

  public SshExecutor(SshSettings settings) {
    this(settings, RemoteProcessGroups.DEFAULT);
  }

  /** {@code groups}: where stoppable runs record their process groups on the hosts, and the grace of a stop. */
  public SshExecutor(SshSettings settings, RemoteProcessGroups groups) {
    this.settings = settings;
    this.groups = groups;
    if (!Files.isReadable(settings.knownHosts())) {
      throw new IllegalArgumentException("known_hosts file " + settings.knownHosts() + " is not readable: host keys"
          + " must be pinned before fleet-upgrade connects");
    }
    if (!Files.isReadable(settings.privateKey())) {
      throw new IllegalArgumentException("private key " + settings.privateKey() + " is not readable");
    }
    client = SshClient.setUpDefaultClient();
    // Never ~/.ssh/config: a Host block there could change the host name, port or user connected to,
    // and so the name known_hosts is checked under.
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    // Host certificates: CertificateCheckingKex checks them during key exchange in place of MINA
    // (aborting on an invalid one rather than falling back to the bare key) and says why it refuses,
    // KnownHostsVerifier checks them again and decides whether known_hosts trusts the CA for the
    // host, and HostKeyAlgorithmOrder asks for a certificate first only from hosts whose CA
    // known_hosts trusts.
    CoreModuleProperties.ABORT_ON_INVALID_CERTIFICATE.set(client, true);
    client.setKeyExchangeFactories(CertificateCheckingKex.wrap(client.getKeyExchangeFactories(),
        settings::acceptsCertificatesWithoutPrincipals));
    client.setServerKeyVerifier(new KnownHostsVerifier(settings.knownHosts(),
        settings::acceptsCertificatesWithoutPrincipals));
    client.addSessionListener(new HostKeyAlgorithmOrder(settings.knownHosts()));
    client.setKeyIdentityProvider(new FileKeyPairProvider(settings.privateKey()));
    client.start();
  }

  /**
   * Runs {@code script} on {@code host}; {@code lines} hears every output line as it comes. Returns
   * once the script exits, whatever its status; throws when it could not run to its end.
   */
  public ScriptRun run(String host, int port, String script, Duration timeout, Consumer<String> lines) throws SshFailure {
    return run(host, null, port, script, timeout, lines);
  }

  /**
   * As {@link #run(String, int, String, Duration, Consumer)}, connecting to {@code address} but
   * checking the host's key under {@code hostKeyAlias} (null: under {@code address}), as OpenSSH's
   * {@code HostKeyAlias}: known_hosts lines (plain pins, {@code @cert-authority}, {@code @revoked})
   * are matched against the alias only, never the address, and so are a host certificate's
   * principals. A platform node is reached at its IP address and checked under its name.
   */
  public ScriptRun run(String address, String hostKeyAlias, int port, String script, Duration timeout,
      Consumer<String> lines) throws SshFailure {
    return execute(address, hostKeyAlias, port, script, timeout, lines, null, null, null);
  }

  /**
   * As {@link #run(String, int, String, Duration, Consumer)}, with the script run on the host in its
   * own process group, which the remote command must read as bash ({@code bash -s}), and {@code
   * watch} ticking on this thread while it runs. When the deadline passes, or a tick or a line
   * listener throws (the activity was cancelled, or its attempt is over), the script is stopped on
   * the host over a second connection before this returns: SshFailure TIMEOUT, saying how the stop
   * went, or what the tick or listener threw.
   */
  public ScriptRun runStoppable(String address, int port, String script, Duration timeout, Consumer<String> lines,
      ScriptWatch watch) throws SshFailure {
    String id = RemoteProcessGroups.newRunId();
    // The run's marker nonce comes first: the script's markers carry it, and only those are markers.
    String nonce = markerNonce();
    return execute(address, null, port, groups.launch(id, "MARK_NONCE=" + nonce + "\n" + script), timeout, lines,
        watch, id, nonce);
  }

  /** Runs {@code stdin} through the remote command; {@code runId}: the run to stop on the host, or null (plain runs). */
  private ScriptRun execute(String address, String hostKeyAlias, int port, String stdin, Duration timeout,
      Consumer<String> lines, ScriptWatch watch, String runId, String nonce) throws SshFailure {
    String where = settings.user() + "@" + address + ":" + port
        + (hostKeyAlias == null || hostKeyAlias.equals(address) ? "" : " (host key checked as " + hostKeyAlias + ")");
    Deque<String> tail = ScriptOutput.newTail();
    try (ClientSession session = connect(address, hostKeyAlias, port, where)) {
      try (ChannelExec channel = session.createExecChannel(settings.remoteCommand());
           ScriptOutput out = new ScriptOutput(lines, tail, nonce)) {
        channel.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        channel.setOut(out);
        channel.setErr(out);
        channel.open().verify(settings.connectTimeout());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            String stopped = runId == null ? "" : "; " + stop(address, hostKeyAlias, port, runId, where);
            throw new SshFailure(SshFailure.Kind.TIMEOUT, where + ": script still running after " + Text.duration(timeout)
                + " (last step: " + out.step() + ")" + stopped, null);
          }
          long wait = watch == null ? left : Math.min(left, watch.period().toNanos());
          Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED,
              ClientChannelEvent.EXIT_STATUS), Math.max(1, Duration.ofNanos(wait).toMillis()));
          if (!events.contains(ClientChannelEvent.TIMEOUT)) {
            break;
          }
          if (watch != null) {
            watchOnce(watch, out, address, hostKeyAlias, port, runId, where);
          }
        }
        channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(5));
        Integer status = channel.getExitStatus();
        if (status == null) {
          throw new SshFailure(SshFailure.Kind.CONNECTION, where + ": connection closed before the script exited"
              + " (last step: " + out.step() + ")", null);
        }
        out.close();
        if (out.listenerFailure() != null) {
          throw out.listenerFailure();
        }
        return new ScriptRun(status, out.step(), out.result(), ScriptOutput.snapshot(tail));
      }
    } catch (SshFailure e) {
      throw e;
    } catch (IOException e) {
      throw classify(where, e);
    }
  }

  /** 16 random hex digits: a host's programs cannot guess them before the script prints them. */
  static String markerNonce() {
    byte[] bytes = new byte[8];
    NONCES.nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

  /**
   * One tick of {@code watch}; if it or a line listener threw, the script is stopped on the host
   * (the channel still open: a script whose output pipe closed could die halfway at its next line)
   * and that is thrown.
   */
  private void watchOnce(ScriptWatch watch, ScriptOutput out, String address, String hostKeyAlias, int port,
      String runId, String where) {
    RuntimeException failure = out.listenerFailure();
    if (failure == null) {
      try {
        watch.tick().run();
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (failure != null) {
      String stopped = runId == null ? "not stopped on the host (a plain run)" : stop(address, hostKeyAlias, port, runId, where);
      log.warn("{}: script given up at step {} ({}): {}", where, out.step(), failure.toString(), stopped);
      throw failure;
    }
  }

  /**
   * Stops run {@code runId} on the host over a new connection (the first may be the trouble), and
   * says how that went, for the failure's message: it never throws.
   */
  private String stop(String address, String hostKeyAlias, int port, String runId, String where) {
    Duration limit = groups.grace().plus(settings.connectTimeout()).plusSeconds(10);
    try {
      ScriptRun run = execute(address, hostKeyAlias, port, groups.stop(runId), limit, line -> { }, null, null, null);
      String said = run.tail().isEmpty() ? "(nothing said)" : run.tail().get(run.tail().size() - 1);
      return run.succeeded() ? said
          : "stopping it on the host failed (exit " + run.exitStatus() + "): " + String.join(" / ", run.tail());
    } catch (SshFailure | RuntimeException e) {
      log.warn("{}: could not stop run {}", where, runId, e);
      return "could not stop it on the host: " + e.getMessage();
    }
  }

  private ClientSession connect(String host, String hostKeyAlias, int port, String where)
      throws IOException, SshFailure {
    ConnectionAttempt attempt = new ConnectionAttempt(host, hostKeyAlias, port);
    ClientSession session;
    try {
      session = client.connect(settings.user(), host, port, attempt.context(), null)
          .verify(settings.connectTimeout()).getSession();
    } catch (IOException e) {
      throw classify(where, attempt, e);
    }
    try {
      session.auth().verify(settings.connectTimeout());
      return session;
    } catch (IOException e) {
      session.close(true);
      throw classify(where, attempt, e);
    }
  }

  /** A refused host key says why, as the check that refused it recorded; any other failure as {@link #classify}. */
  private static SshFailure classify(String where, ConnectionAttempt attempt, IOException e) {
    String refusal = attempt.refusal();
    if (refusal != null) {
      return new SshFailure(SshFailure.Kind.HOST_KEY, where + ": " + refusal, e);
    }
    return classify(where, e);
  }

  /**
   * Host key and login refusals cannot be retried away; everything else on the wire can. A host key
   * refusal with a recorded reason ({@link ConnectionAttempt#refusal()}) never gets here.
   */
  static SshFailure classify(String where, IOException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("Server key did not validate")) {
      return new SshFailure(SshFailure.Kind.HOST_KEY, where + ": host key refused: it is not the one pinned in"
          + " known_hosts (unknown or changed); check the host, then update known_hosts", e);
    }
    if (message.contains("No more authentication methods available") || message.contains("authentication")) {
      return new SshFailure(SshFailure.Kind.AUTHENTICATION, where + ": login refused: " + message, e);
    }
    if (message.contains("KeyExchange") && message.contains("verification failed")) {
      // MINA's key exchange refused the host's proof of its key or certificate (a check without a
      // recorded reason, e.g. during group exchange): the same host will be refused again.
      return new SshFailure(SshFailure.Kind.HOST_KEY, where + ": host key refused: " + message, e);
    }
    if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
      return new SshFailure(SshFailure.Kind.CONNECTION, where + ": connection refused", e);
    }
    if (e instanceof SshException && message.toLowerCase().contains("timeout")) {
      return new SshFailure(SshFailure.Kind.TIMEOUT, where + ": " + message, e);
    }
    return new SshFailure(SshFailure.Kind.CONNECTION, where + ": " + message, e);
  }

  /** The client's resolver of host aliases (for tests: never ~/.ssh/config). */
  HostConfigEntryResolver hostConfigEntryResolver() {
    return client.getHostConfigEntryResolver();
  }

  @Override
  public void close() throws IOException {
    client.stop();
    client.close();
  }
}
