package org.fleetupgrade.controlplane.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.HostKeyCertificateProvider;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.KeySetPublickeyAuthenticator;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A control-plane host for tests: an SSH server on 127.0.0.1 with a pinned host key, accepting one
 * client key, that records each command and script it receives and answers as {@link #play} says,
 * or runs them for real in a local shell ({@link #runInShell}).
 */
public final class ScriptHost implements AutoCloseable {

  /** A reply line printed exactly as given, not as a marker of the script's: {@code raw:==> result apply}. */
  public static final String RAW = "raw:";

  /** What the host does with a script: print lines, then exit, drop the connection, or hang. */
  public record Reply(List<String> lines, Integer exitStatus, boolean drop, boolean hang) {
    public static Reply exit(int status, String... lines) {
      return new Reply(List.of(lines), status, false, false);
    }

    public static Reply dropAfter(String... lines) {
      return new Reply(List.of(lines), null, true, false);
    }

    public static Reply hangAfter(String... lines) {
      return new Reply(List.of(lines), null, false, true);
    }
  }

  public interface Behaviour {
    Reply on(String script, int call);
  }

  public record Received(String command, String script) {}

  public final KeyPair hostKey;
  public final KeyPair clientKey = newKeyPair();
  public final List<Received> received = new CopyOnWriteArrayList<>();
  final AtomicInteger calls = new AtomicInteger();
  private final CountDownLatch released = new CountDownLatch(1);
  private final SshServer server;
  public volatile Behaviour play = (script, call) -> Reply.exit(0);
  /** Null: commands are played; else they run in a local shell, reading this of what they received. */
  private volatile UnaryOperator<String> shell;
  private final List<Process> started = new CopyOnWriteArrayList<>();

  public ScriptHost() throws IOException {
    this(newKeyPair());
  }

  /** A host whose host key is {@code hostKey}. */
  public ScriptHost(KeyPair hostKey) throws IOException {
    this.hostKey = hostKey;
    server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    server.setPublickeyAuthenticator(new KeySetPublickeyAuthenticator("test", List.of(clientKey.getPublic())));
    server.setCommandFactory((channel, command) -> new PlayedCommand(command));
    server.start();
  }

  public int port() {
    return server.getPort();
  }

  /**
   * From now on each command runs for real, {@code /bin/bash -c COMMAND} here, reading {@code
   * standIn} of the script it received, and it goes on when its channel closes, as under sshd
   * without a terminal. {@link #close} kills what is left.
   */
  public void runInShell(UnaryOperator<String> standIn) {
    shell = standIn;
  }

  /**
   * For {@link #runInShell}: a stoppable run keeps its launcher (the two lines before the script,
   * {@link RemoteProcessGroups#launch}) and the run's marker nonce (the line after them: {@code body}
   * marks with {@code echo "==> $MARK_NONCE step NAME"}), and runs {@code body} in place of the
   * script; any other script (a stop) runs as sent.
   */
  public static UnaryOperator<String> standIn(String body) {
    return script -> {
      if (!script.startsWith(RemoteProcessGroups.LAUNCH_MARKER)) {
        return script;
      }
      int launcherEnd = script.indexOf('\n', script.indexOf('\n') + 1) + 1;
      int nonceEnd = script.indexOf('\n', launcherEnd) + 1;
      return script.substring(0, nonceEnd) + body;
    };
  }

  /** The marker nonce the executor put before {@code script} (null for a plain run). */
  static String nonceOf(String script) {
    return script.lines().filter(l -> l.startsWith("MARK_NONCE=")).findFirst()
        .map(l -> l.substring("MARK_NONCE=".length())).orElse(null);
  }

  /**
   * From now on the host also presents {@code certificate} (of its host key), as sshd does with a
   * HostCertificate: it offers the certificate's algorithms besides its plain key's.
   */
  public void presentCertificate(OpenSshCertificate certificate) {
    server.setHostKeyCertificateProvider(session -> List.of(certificate));
  }

  /**
   * A misbehaving host: it offers the algorithms of {@code offered}, as a host certificate, but
   * sends {@code sent} in the key exchange (MINA's server never offers a user certificate itself).
   */
  public void presentCertificate(OpenSshCertificate offered, OpenSshCertificate sent) {
    server.setHostKeyCertificateProvider(new HostKeyCertificateProvider() {
      @Override
      public Iterable<OpenSshCertificate> loadCertificates(SessionContext session) {
        return List.of(offered);
      }

      @Override
      public OpenSshCertificate loadCertificate(SessionContext session, String keyType) {
        return sent;
      }
    });
  }

  /** Whether process {@code pid} runs here: a zombie (dead, not yet reaped by its parent) does not. */
  public static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2); // the field after the command name
      return state != 'Z' && state != 'X';
    } catch (IOException gone) {
      return false;
    }
  }

  /** Looks every 50 ms, for at most {@code within}, whether process {@code pid} has ended here; whether it has. */
  public static boolean awaitGone(long pid, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (running(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return true;
  }

  /** This host as known_hosts names it: {@code [127.0.0.1]:port}, the port not being 22. */
  public String knownHostsName() {
    return "[127.0.0.1]:" + port();
  }

  /** A known_hosts line pinning {@code key} for this host, as ssh-keyscan writes it for a non-22 port. */
  String knownHostsLine(KeyPair key) {
    return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(key.getPublic()) + "\n";
  }

  /** Settings whose known_hosts pins {@code pinned} and whose private key is {@code identity}. */
  public SshSettings settings(Path dir, KeyPair pinned, KeyPair identity, Duration connectTimeout) throws Exception {
    return settings(dir, pinned == null ? "" : knownHostsLine(pinned), identity, connectTimeout, false);
  }

  /**
   * Settings whose known_hosts file holds {@code knownHosts}, whose private key is {@code identity},
   * and that accept host certificates without principals from 127.0.0.1 when {@code acceptNoPrincipals}.
   */
  public SshSettings settings(Path dir, String knownHosts, KeyPair identity, Duration connectTimeout,
      boolean acceptNoPrincipals) throws Exception {
    return settings(dir, knownHosts, identity, connectTimeout, acceptNoPrincipals ? List.of("127.0.0.1") : List.of());
  }

  /** As above, accepting host certificates without principals from the hosts {@code noPrincipalsFor} matches. */
  public SshSettings settings(Path dir, String knownHosts, KeyPair identity, Duration connectTimeout,
      List<String> noPrincipalsFor) throws Exception {
    Path knownHostsFile = dir.resolve("known_hosts");
    Files.writeString(knownHostsFile, knownHosts);
    Path key = dir.resolve("id_ecdsa");
    try (OutputStream out = Files.newOutputStream(key)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(identity, "fleet-upgrade-test", null, out);
    }
    return new SshSettings("fleet-upgrade", key, knownHostsFile, connectTimeout, null, noPrincipalsFor);
  }

  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    released.countDown();
    server.stop(true);
    for (Process process : started) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private final class PlayedCommand implements Command {
    private final String command;
    private InputStream in;
    private OutputStream out;
    private ExitCallback exit;

    PlayedCommand(String command) {
      this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {}

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      Thread player = new Thread(() -> play(channel), "script-host");
      player.setDaemon(true);
      player.start();
    }

    private void play(ChannelSession channel) {
      try {
        String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(command, script));
        UnaryOperator<String> standIn = shell;
        if (standIn != null) {
          calls.incrementAndGet();
          exit.onExit(runHere(standIn.apply(script)));
          return;
        }
        Reply reply = ScriptHost.this.play.on(script, calls.incrementAndGet());
        String nonce = nonceOf(script);
        for (String line : reply.lines()) {
          // The host plays a real script: its markers carry the run's nonce. A line given as
          // "raw:..." is printed as it is (a program on the host imitating a marker).
          String printed = line.startsWith(RAW) ? line.substring(RAW.length())
              : nonce != null && line.startsWith("==> ") ? "==> " + nonce + " " + line.substring(4) : line;
          out.write((printed + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
        if (reply.drop()) {
          channel.getSession().close(true);
        } else if (reply.hang()) {
          released.await(30, TimeUnit.SECONDS);
        } else {
          exit.onExit(reply.exitStatus());
        }
      } catch (IOException | InterruptedException e) {
        exit.onExit(255, e.toString());
      }
    }

    /** Runs the command in a local shell with {@code script} on its input; its output goes to the channel while open. */
    private int runHere(String script) throws IOException, InterruptedException {
      Process process = new ProcessBuilder("/bin/bash", "-c", command).redirectErrorStream(true).start();
      started.add(process);
      try (OutputStream stdin = process.getOutputStream()) {
        stdin.write(script.getBytes(StandardCharsets.UTF_8));
      }
      byte[] buffer = new byte[8192];
      boolean open = true;
      try (InputStream output = process.getInputStream()) {
        for (int n = output.read(buffer); n >= 0; n = output.read(buffer)) {
          if (open) {
            try {
              out.write(buffer, 0, n);
              out.flush();
            } catch (IOException closed) {
              open = false; // the client went: the command goes on, its output is dropped
            }
          }
        }
      }
      return process.waitFor();
    }

    @Override
    public void destroy(ChannelSession channel) {}
  }
}
