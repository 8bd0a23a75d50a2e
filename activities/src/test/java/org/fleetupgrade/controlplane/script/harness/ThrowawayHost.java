package org.fleetupgrade.controlplane.script.harness;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fleetupgrade.controlplane.script.AdminConfCopy;
import org.fleetupgrade.controlplane.script.AdminConfScript;
import org.fleetupgrade.controlplane.script.HostMetadata;
import org.fleetupgrade.controlplane.script.MemberScriptInputs;
import org.fleetupgrade.controlplane.script.MemberUpgradeScript;
import org.fleetupgrade.controlplane.script.NodeToolingScript;
import org.fleetupgrade.controlplane.script.ReleaseSources;
import org.fleetupgrade.version.TargetVersions;

/**
 * A throwaway host on which the generated scripts run whole, as rendered, by the real bash, curl,
 * jq, openssl, flock, sha256sum and tar, without root, network or containers. It is:
 *
 * <ul>
 *   <li>a root directory standing for the host's file system: /opt/bin with kubelet, kubectl,
 *       kubeadm and crictl and /opt/cni/bin with the CNI plugins, at the old versions; for a
 *       control-plane member also /etc/kubernetes (admin.conf and the static pod manifests of a
 *       member as the previous upgrade left it: old images, with the two hand edits) and the
 *       kubeadm template in /opt/mlab/conf; /run and /tmp;
 *   <li>an HTTP server on 127.0.0.1 (the JDK's) serving the target's release files with their
 *       {@code .sha256} (kubeadm, kubelet and kubectl as {@link FakeBinaries}; the CNI plugins and
 *       crictl as .tgz archives made here with tar), the instance metadata as M-Lab's VMs have it
 *       (the attribute {@code cluster_data} holding JSON, only with {@code Metadata-Flavor:
 *       Google}), and the local apiserver's {@code /version} and kubelet's {@code /healthz},
 *       answered from the host's state while kubelet runs; it logs and counts every request;
 *   <li>stubs first on PATH ({@link FakeBinaries}), the rest of PATH the machine's own;
 *   <li>state: whether kubelet runs, the cluster's kubernetesVersion (kubeadm-config), failures to
 *       inject; and a GCS bucket as a directory.
 * </ul>
 *
 * <p>Every program the scripts run on the host (the fakes, the stubs, the server) appends one line
 * to one calls log, so the log is the order in which things happened; {@link Run#calls()} reads it
 * with the root's path and the script's work directory written as the script names them.
 *
 * <p>The member's admin.conf script ({@link AdminConfScript}) runs on a member host as well.
 *
 * <p>The script text is changed in one place only, {@link #rewrite}, by the list in
 * {@link #rewrites}; everything else runs as rendered. A script naming an absolute path or URL
 * the list does not redirect is refused before it runs, so no script ever touches the machine's
 * real /opt, /etc/kubernetes or /run.
 */
final class ThrowawayHost implements AutoCloseable {

  static final TargetVersions TARGET = TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0");
  /** The versions on the host before an upgrade. */
  static final String OLD_KUBERNETES = "v1.33.1";
  static final String OLD_CNI = "v1.8.0";
  static final String OLD_CRICTL = "v1.33.0";

  static final String MEMBER = "api-platform-cluster-us-east1-b";
  static final String NODE = "vm-1.mlab-oti.measurement-lab.org";
  static final String PROJECT = "mlab-oti";
  static final String ZONE = "us-east1-b";
  static final String INTERNAL_IP = "10.142.0.2";
  static final String EXTERNAL_IP = "35.237.10.1";
  static final String LOAD_BALANCER = "api-platform-cluster.mlab-oti.measurementlab.net";
  static final String ADMIN_CONF = "gs://k8s-support-mlab-oti/admin.conf";
  static final String TEMPLATE_PATH = "/opt/mlab/conf/kubeadm-config.yml.template";
  /** The instance metadata attribute as M-Lab's terraform writes it (HostMetadata.MLAB). */
  static final String CLUSTER_DATA = "{\"cluster_attributes\":{\"api_load_balancer\":\"" + LOAD_BALANCER
      + "\",\"cluster_cidr\":\"192.168.0.0/16\"},\"zone\":\"" + ZONE + "\"}";

  /** The placeholders of M-Lab's template (epoxy-images virtual_ubuntu), in a template of our own. */
  static final String TEMPLATE = """
      apiVersion: kubeadm.k8s.io/v1beta3
      kind: InitConfiguration
      bootstrapTokens: [{token: "{{TOKEN}}"}]
      certificateKey: "{{CERT_KEY}}"
      localAPIEndpoint: {advertiseAddress: "{{INTERNAL_IP}}"}
      nodeRegistration: {name: "{{MACHINE_NAME}}"}
      discovery: {caCertHashes: ["{{CA_CERT_HASH}}"]}
      ---
      kind: ClusterConfiguration
      kubernetesVersion: "{{K8S_VERSION}}"
      clusterName: "{{PROJECT}}"
      controlPlaneEndpoint: "{{API_LOAD_BALANCER}}:6443"
      apiServer: {certSANs: ["{{API_LOAD_BALANCER}}", "{{INTERNAL_DNS}}", "{{MACHINE_NAME}}", "{{INTERNAL_IP}}"]}
      networking: {podSubnet: "{{CLUSTER_CIDR}}", serviceSubnet: "{{SERVICE_CIDR}}"}
      """;

  enum Kind { MEMBER, NODE }

  private final Kind kind;
  private final Path base;
  private final Path root;
  private final Path state;
  private final Path bucket;
  private final Path bin;
  private final Path callsLog;
  private final HttpServer server;
  private final String url;
  private final Map<String, byte[]> published = new ConcurrentHashMap<>();
  private final Map<String, String> metadata = new ConcurrentHashMap<>();
  private final Map<String, Integer> requests = new ConcurrentHashMap<>();
  private final List<Started> started = new CopyOnWriteArrayList<>();

  /**
   * A host of {@code kind} in {@code base} (an empty directory) with kubelet, kubectl and kubeadm
   * at {@link #OLD_KUBERNETES}, the CNI plugins at {@code cni} and crictl at {@code crictl}, kubelet
   * running, and the cluster's kubeadm-config at {@code clusterVersion}.
   */
  ThrowawayHost(Kind kind, Path base, String cni, String crictl, String clusterVersion) throws IOException {
    this.kind = kind;
    this.base = base.toAbsolutePath();
    if (!this.base.toString().matches("/[A-Za-z0-9._/-]+")) {
      // It is spliced into the script unquoted in places (need_space /opt/bin), as /opt is.
      throw new IllegalArgumentException("the throwaway root's path must be plain: " + this.base);
    }
    root = Files.createDirectories(this.base.resolve("root"));
    state = Files.createDirectories(this.base.resolve("state"));
    bucket = Files.createDirectories(this.base.resolve("bucket"));
    bin = Files.createDirectories(this.base.resolve("bin"));
    Files.createDirectories(this.base.resolve("home"));
    callsLog = this.base.resolve("calls.log");
    Files.writeString(callsLog, "");
    for (String dir : List.of("opt/bin", "opt/cni/bin", "run", "tmp")) {
      Files.createDirectories(root.resolve(dir));
    }

    executable(root.resolve("opt/bin/kubelet"), FakeBinaries.kubelet(OLD_KUBERNETES));
    executable(root.resolve("opt/bin/kubectl"), FakeBinaries.kubectl(OLD_KUBERNETES));
    executable(root.resolve("opt/bin/kubeadm"), FakeBinaries.kubeadm(OLD_KUBERNETES));
    executable(root.resolve("opt/bin/crictl"), FakeBinaries.crictl(crictl));
    executable(root.resolve("opt/cni/bin/bridge"), FakeBinaries.cniPlugin("bridge", cni));
    executable(root.resolve("opt/cni/bin/loopback"), FakeBinaries.cniPlugin("loopback", cni));
    Path kubernetes = Files.createDirectories(root.resolve("etc/kubernetes"));
    if (kind == Kind.MEMBER) {
      Files.writeString(kubernetes.resolve("admin.conf"), "apiVersion: v1\nkind: Config\n# certificates of "
          + OLD_KUBERNETES + "\n");
      Path manifests = Files.createDirectories(kubernetes.resolve("manifests"));
      Files.writeString(manifests.resolve("kube-apiserver.yaml"), manifest("kube-apiserver", OLD_KUBERNETES,
          "--advertise-address=" + EXTERNAL_IP, "--etcd-servers=https://127.0.0.1:2379"));
      Files.writeString(manifests.resolve("kube-controller-manager.yaml"), manifest("kube-controller-manager",
          OLD_KUBERNETES, "--cluster-cidr=192.168.0.0/16"));
      Files.writeString(manifests.resolve("kube-scheduler.yaml"), manifest("kube-scheduler", OLD_KUBERNETES,
          "--leader-elect=true"));
      Files.writeString(manifests.resolve("etcd.yaml"), manifest("etcd", "3.5.21-0",
          "--listen-metrics-urls=http://127.0.0.1:2381,http://" + INTERNAL_IP + ":2381"));
      writeTemplate(TEMPLATE);
      Files.createDirectories(bucket.resolve("k8s-support-mlab-oti"));
      Files.writeString(bucket.resolve("k8s-support-mlab-oti/admin.conf"), "apiVersion: v1\nkind: Config\n# certificates of "
          + OLD_KUBERNETES + "\n");
    } else {
      Files.writeString(kubernetes.resolve("kubelet.conf"), "apiVersion: v1\nkind: Config\n");
    }

    Files.writeString(state.resolve("kubelet"), "running\n");
    Files.writeString(state.resolve("cluster-version"), clusterVersion + "\n");

    executable(bin.resolve("systemctl"), FakeBinaries.systemctl());
    executable(bin.resolve("gsutil"), FakeBinaries.gsutil());
    executable(bin.resolve("df"), FakeBinaries.df());
    executable(bin.resolve("sleep"), FakeBinaries.sleep());
    executable(bin.resolve("install"), FakeBinaries.loggingWrapper("install", which("install")));
    executable(bin.resolve("tar"), FakeBinaries.loggingWrapper("tar", which("tar")));

    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
    metadata.put(HostMetadata.MLAB.attribute(), CLUSTER_DATA);
    publish(TARGET);
  }

  /** A member at the old version; the cluster is at {@code clusterVersion}. */
  static ThrowawayHost member(Path base, String clusterVersion) throws IOException {
    return new ThrowawayHost(Kind.MEMBER, base, OLD_CNI, OLD_CRICTL, clusterVersion);
  }

  /** A virtual node at the old version; its control plane is at the target. */
  static ThrowawayHost node(Path base) throws IOException {
    return new ThrowawayHost(Kind.NODE, base, OLD_CNI, OLD_CRICTL, TARGET.kubernetes().toString());
  }

  private static String manifest(String component, String tag, String... flags) {
    StringBuilder text = new StringBuilder("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: @C@
          namespace: kube-system
        spec:
          containers:
          - command:
            - @C@
        """.replace("@C@", component));
    for (String flag : flags) {
      text.append("    - ").append(flag).append('\n');
    }
    return text.append("    image: registry.k8s.io/").append(component).append(':').append(tag).append('\n')
        .append("    name: ").append(component).append('\n').toString();
  }

  // ---------------------------------------------------------------- the scripts and the rewrites

  /** Where the scripts download from: this host's server, under /k8s, /cni and /crictl. */
  ReleaseSources sources() {
    return new ReleaseSources(url + "/k8s", url + "/cni", url + "/crictl");
  }

  /** The member script for this host, as fleet-upgrade renders it (readiness timeout: the minimum). */
  String memberScript() {
    return MemberUpgradeScript.render(new MemberScriptInputs(TARGET, "amd64", MEMBER, PROJECT, INTERNAL_IP, EXTERNAL_IP,
        "192.168.0.0/16", "172.25.0.0/16", sources(), new AdminConfCopy(ADMIN_CONF, Map.of("Cache-Control", "no-store")),
        TEMPLATE_PATH, 10, ZONE, HostMetadata.MLAB));
  }

  /** The admin.conf script for this member (a member found done), as fleet-upgrade renders it. */
  String adminConfScript() {
    return AdminConfScript.render(TARGET, MEMBER, new AdminConfCopy(ADMIN_CONF, Map.of("Cache-Control", "no-store")));
  }

  /** The node-tooling script for this host, as fleet-upgrade renders it (health timeout: the minimum). */
  String nodeScript() {
    return NodeToolingScript.render(TARGET, "amd64", NODE, sources(), 10);
  }

  /** One textual change to a rendered script: {@code from} wherever it stands, as the script's text. */
  record Rewrite(String from, String to, String why) {}

  /**
   * Everything {@link #rewrite} changes in a script, and why. Paths are rewritten where they start
   * (not inside a longer path); the release URLs need no rewrite (they are render inputs:
   * {@link #sources()}), nor /tmp (the scripts' work directory comes from mktemp, which the
   * environment's TMPDIR points into the root).
   */
  List<Rewrite> rewrites() {
    return List.of(
        new Rewrite("/opt/", root + "/opt/", "binaries (/opt/bin), CNI plugins (/opt/cni/bin), the kubeadm template (/opt/mlab/conf)"),
        new Rewrite("/etc/kubernetes", root + "/etc/kubernetes", "admin.conf, the static pod manifests, kubeadm-config.yml"),
        new Rewrite("/var/lib/fleet-upgrade", root + "/var/lib/fleet-upgrade", "the mark of the member that ran apply"),
        new Rewrite("/run/", root + "/run/", "the host lock (/run/fleet-upgrade.lock)"),
        new Rewrite("http://metadata.google.internal", url, "the GCE metadata server"),
        // curl -fsk: -k lets it take plain http as well.
        new Rewrite("https://localhost:6443/version", url + "/apiserver/version", "the local apiserver's version"),
        new Rewrite("http://localhost:10248/healthz", url + "/kubelet/healthz", "kubelet's health endpoint"));
  }

  /** A path or URL in script text, where it starts: not preceded by a path or URL character. */
  private static final String STARTS_HERE = "(?<![A-Za-z0-9._/:}-])";
  /**
   * What a rewritten script may still name outside the root and the server: bash itself, /dev/null,
   * two awk patterns (/kubernetesVersion:/, /plugin/), a comment's /readyz, and the etcd metrics URL
   * the member script writes into a manifest (a value, never fetched).
   */
  private static final List<String> LEFT_AS_IS = List.of("/bin/bash", "/dev/null", "/kubernetesVersion", "/plugin",
      "/readyz", "http://${INTERNAL_IP}:2381");
  private static final Pattern ABSOLUTE = Pattern.compile(STARTS_HERE + "(?:/[A-Za-z][A-Za-z0-9._-]*(?:/[A-Za-z0-9._-]+)*|https?://[^\\s'\"|)]+)");

  /**
   * The script with {@link #rewrites()} applied in one pass (a replacement is never rewritten
   * again). Fails if a rewrite finds nothing (the script changed: the list must follow) or if the
   * result still names an absolute path or URL outside the root and the server.
   */
  String rewrite(String script) {
    List<Rewrite> rewrites = rewrites();
    Map<String, String> to = new LinkedHashMap<>();
    StringBuilder alternatives = new StringBuilder();
    for (Rewrite r : rewrites) {
      to.put(r.from(), r.to());
      alternatives.append(alternatives.isEmpty() ? "" : "|").append(Pattern.quote(r.from()));
    }
    Matcher m = Pattern.compile(STARTS_HERE + "(?:" + alternatives + ")").matcher(script);
    Map<String, Integer> used = new TreeMap<>();
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      used.merge(m.group(), 1, Integer::sum);
      m.appendReplacement(out, Matcher.quoteReplacement(to.get(m.group())));
    }
    m.appendTail(out);
    String rewritten = out.toString();
    for (Rewrite r : rewrites) {
      // The node-tooling script has no manifests, metadata, admin.conf or apiserver; a member no kubelet healthz.
      // The admin.conf script names only admin.conf, the mark and the lock.
      boolean member = script.contains("\nMETADATA_ATTRIBUTE=");
      boolean adminConf = !member && script.contains("\nADMIN_CONF_DESTINATION=");
      boolean expected = member ? !r.from().contains(":10248/")
          : adminConf ? List.of("/etc/kubernetes", "/var/lib/fleet-upgrade", "/run/").contains(r.from())
          : List.of("/opt/", "/run/", "http://localhost:10248/healthz").contains(r.from());
      if (expected && !used.containsKey(r.from())) {
        throw new IllegalStateException("the " + kind + " script no longer names " + r.from() + " (" + r.why()
            + "): update ThrowawayHost.rewrites()");
      }
    }
    Matcher left = ABSOLUTE.matcher(rewritten.replace(root.toString(), "ROOT").replace(url, "SERVER"));
    while (left.find()) {
      if (!LEFT_AS_IS.contains(left.group())) {
        throw new IllegalStateException("the script names " + left.group() + ", which ThrowawayHost does not redirect"
            + " into the throwaway root or to its server: add it to rewrites() (or to LEFT_AS_IS if it is not used)");
      }
    }
    return rewritten;
  }

  // ---------------------------------------------------------------- running

  /** What a script run did: its exit status, its output and the calls log's lines during the run. */
  record Run(int exit, List<String> output, List<String> calls) {

    /** Output lines starting with {@code ==> KIND }, without that prefix: steps, results, admin-conf. */
    List<String> marks(String kind) {
      String prefix = "==> " + kind + " ";
      return output.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    String text() {
      return String.join("\n", output);
    }
  }

  /** A script started on the host, its output collected as it comes. */
  final class Started {
    private final Process process;
    private final int callsBefore;
    private final List<String> lines = new ArrayList<>(); // guarded by this
    private boolean ended; // guarded by this

    private Started(Process process, int callsBefore) {
      this.process = process;
      this.callsBefore = callsBefore;
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            synchronized (this) {
              lines.add(normalize(line));
              notifyAll();
            }
          }
        } catch (IOException e) {
          // the process was killed: what was read stays
        } finally {
          synchronized (this) {
            ended = true;
            notifyAll();
          }
        }
      }, "throwaway-host-output-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    long pid() {
      return process.pid();
    }

    /** Waits until the script printed {@code line}, at most {@code within}. */
    synchronized void awaitLine(String line, Duration within) throws InterruptedException, TimeoutException {
      long deadline = System.nanoTime() + within.toNanos();
      while (!lines.contains(line)) {
        if (ended) {
          throw new IllegalStateException("the script ended without printing '" + line + "':\n" + String.join("\n", lines));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("no '" + line + "' within " + within + ":\n" + String.join("\n", lines));
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    /** Waits until the script ended (at most {@code within}; killed after that) and its output was read. */
    Run finish(Duration within) throws InterruptedException, IOException, TimeoutException {
      if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        throw new TimeoutException("the script did not end within " + within + ":\n" + String.join("\n", output()));
      }
      synchronized (this) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ended && deadline - System.nanoTime() > 0) {
          TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
        }
      }
      List<String> all = calls();
      return new Run(process.exitValue(), output(), List.copyOf(all.subList(Math.min(callsBefore, all.size()), all.size())));
    }

    private synchronized List<String> output() {
      return List.copyOf(lines);
    }

    /**
     * Sends {@code signal} (TERM, KILL) to the script's process group, as fleet-upgrade's executor
     * stops a run: setsid made the script's bash the group's leader, so its pid is the group's id.
     */
    void signalGroup(String signal) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + process.pid()).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (kill.waitFor() != 0) {
        throw new IOException("kill -" + signal + " -" + process.pid() + " failed: " + output);
      }
    }

    private void kill() {
      // This script's process group (setsid made it its leader) and whatever it started.
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  /**
   * Starts {@code script} held at its first call (of kubeadm, systemctl, gsutil, install or tar)
   * matching {@code glob}, the call as the calls log shows it: the program prints "holding at CALL"
   * and waits for {@link #release()}. The glob stays set for the whole run, so it must not match a
   * later call that should not wait.
   */
  Started startHeldAt(String script, String glob) throws IOException, InterruptedException {
    Path pipe = base.resolve("hold");
    if (!Files.exists(pipe)) {
      Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).redirectErrorStream(true).start();
      String output = new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (mkfifo.waitFor() != 0) {
        throw new IOException("mkfifo failed: " + output);
      }
    }
    return start(script, Map.of("FAKE_HOLD", pipe.toString(), "FAKE_HOLD_AT", glob));
  }

  /** Lets the program holding (see {@link #startHeldAt}) go on: only while one holds, or this waits for one. */
  void release() throws IOException {
    Files.writeString(base.resolve("hold"), "go\n");
  }

  /** Runs {@code script} (as rendered: it is rewritten here) to its end. */
  Run run(String script) throws IOException, InterruptedException, TimeoutException {
    return start(script, Map.of()).finish(Duration.ofSeconds(30));
  }

  /**
   * Starts {@code script}, rewritten, the way fleet-upgrade's executor does: {@code setsid -w
   * /bin/bash -s} with the script on standard input (MARK_NONCE unset), in an environment of this
   * host's stubs first on PATH, TMPDIR in the root, HOME empty, no proxies, and {@code env}.
   */
  Started start(String script, Map<String, String> env) throws IOException {
    String text = rewrite(script);
    ProcessBuilder builder = new ProcessBuilder("setsid", "-w", "/bin/bash", "-s").redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy")
        || name.equals("MARK_NONCE") || name.startsWith("CURL_"));
    environment.put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    environment.put("TMPDIR", root.resolve("tmp").toString());
    environment.put("HOME", base.resolve("home").toString());
    environment.put("LC_ALL", "C");
    environment.put("FAKE_ROOT", root.toString());
    environment.put("FAKE_STATE", state.toString());
    environment.put("FAKE_CALLS", callsLog.toString());
    environment.put("FAKE_BUCKET", bucket.toString());
    environment.put("FAKE_NODE_NAME", kind == Kind.MEMBER ? MEMBER : NODE);
    environment.put("FAKE_INTERNAL_IP", INTERNAL_IP);
    environment.putAll(env);
    int before = calls().size();
    Process process = builder.start();
    Started run = new Started(process, before);
    started.add(run);
    try (OutputStream in = process.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return run;
  }

  // ---------------------------------------------------------------- the host's state

  Path root() {
    return root;
  }

  /** The calls log, root and work directory written as the script names them. */
  List<String> calls() throws IOException {
    return Files.readAllLines(callsLog).stream().map(this::normalize).toList();
  }

  private static final Pattern WORK = Pattern.compile("/tmp/tmp\\.[A-Za-z0-9]+");

  private String normalize(String line) {
    return WORK.matcher(line.replace(root.toString(), "").replace(url, "SERVER")).replaceAll(Matcher.quoteReplacement("$WORK"));
  }

  /** How many {@code METHOD path} requests the server answered (e.g. "GET /k8s/v1.34.4/bin/linux/amd64/kubelet"). */
  int requests(String methodAndPath) {
    return requests.getOrDefault(methodAndPath, 0);
  }

  /** Every release file (or checksum) the server was asked for with GET, by path, with counts. */
  Map<String, Integer> releaseDownloads() {
    Map<String, Integer> downloads = new TreeMap<>();
    requests.forEach((request, count) -> {
      if (request.startsWith("GET /k8s/") || request.startsWith("GET /cni/") || request.startsWith("GET /crictl/")) {
        downloads.put(request.substring(4), count);
      }
    });
    return downloads;
  }

  boolean kubeletRunning() throws IOException {
    return Files.readString(state.resolve("kubelet")).strip().equals("running");
  }

  String clusterVersion() throws IOException {
    return Files.readString(state.resolve("cluster-version")).strip();
  }

  /** What {@code program --version} prints on the host (a path as the script names it, e.g. /opt/bin/kubelet). */
  String version(String program) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(root + program, "--version").redirectErrorStream(true);
    builder.environment().put("FAKE_CALLS", "/dev/null");
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor();
    return out.lines().findFirst().orElse("");
  }

  /** The SHA-256 of every file under the root but /run (the lock's holder line) and /tmp, by path. */
  Map<String, String> files() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String name = "/" + root.relativize(p);
        if (name.startsWith("/run/") || name.startsWith("/tmp/")) {
          continue;
        }
        files.put(name, Files.isDirectory(p) ? "directory"
            : sha256(Files.readAllBytes(p)) + (Files.isExecutable(p) ? " executable" : ""));
      }
    }
    return files;
  }

  /** What the bucket holds at {@code gs://...}, or null. */
  String inBucket(String gsUrl) throws IOException {
    Path object = bucket.resolve(gsUrl.substring("gs://".length()));
    return Files.exists(object) ? Files.readString(object) : null;
  }

  String read(String path) throws IOException {
    return Files.readString(root.resolve(path.substring(1)));
  }

  void writeTemplate(String text) throws IOException {
    Path template = root.resolve(TEMPLATE_PATH.substring(1));
    Files.createDirectories(template.getParent());
    Files.writeString(template, text);
  }

  /** The VM's metadata has no {@code cluster_data} attribute: the server answers 404. */
  void withoutClusterData() {
    metadata.remove(HostMetadata.MLAB.attribute());
  }

  /** The next {@code n} gsutil cp fail (403). */
  void failAdminConfCopies(int n) throws IOException {
    Files.writeString(state.resolve("gsutil-cp-failures"), n + "\n");
  }

  /** install fails for this destination (a path as the script names it), as on a read-only file system. */
  void failInstallOf(String path) throws IOException {
    Files.writeString(state.resolve("fail-install"), path);
  }

  void clearInstallFailure() throws IOException {
    Files.deleteIfExists(state.resolve("fail-install"));
  }

  /** The checksum published beside {@code path} is not that file's. */
  void publishWrongChecksum(String path) {
    published.put(path + ".sha256", (sha256("something else".getBytes(StandardCharsets.UTF_8)) + "\n")
        .getBytes(StandardCharsets.UTF_8));
  }

  /** Paths of the target's release files on the server. */
  static String kubernetesFile(String name) {
    return "/k8s/" + TARGET.kubernetes() + "/bin/linux/amd64/" + name;
  }

  static String cniFile() {
    return "/cni/" + TARGET.cni() + "/cni-plugins-linux-amd64-" + TARGET.cni() + ".tgz";
  }

  static String crictlFile() {
    return "/crictl/" + TARGET.crictl() + "/crictl-" + TARGET.crictl() + "-linux-amd64.tar.gz";
  }

  // ---------------------------------------------------------------- the server

  /**
   * Publishes the target's release files, laid out as on dl.k8s.io and GitHub's release downloads,
   * each with its .sha256: the bare hash for Kubernetes' files, "hash  name" for GitHub's.
   */
  private void publish(TargetVersions target) throws IOException {
    String k8s = target.kubernetes().toString();
    publishWithChecksum(kubernetesFile("kubeadm"), FakeBinaries.kubeadm(k8s).getBytes(StandardCharsets.UTF_8), false);
    publishWithChecksum(kubernetesFile("kubelet"), FakeBinaries.kubelet(k8s).getBytes(StandardCharsets.UTF_8), false);
    publishWithChecksum(kubernetesFile("kubectl"), FakeBinaries.kubectl(k8s).getBytes(StandardCharsets.UTF_8), false);
    String cni = target.cni().toString();
    publishWithChecksum(cniFile(), tgz("cni", Map.of("bridge", FakeBinaries.cniPlugin("bridge", cni),
        "loopback", FakeBinaries.cniPlugin("loopback", cni))), true);
    publishWithChecksum(crictlFile(), tgz("crictl", Map.of("crictl", FakeBinaries.crictl(target.crictl().toString()))), true);
  }

  private void publishWithChecksum(String path, byte[] content, boolean withName) {
    published.put(path, content);
    String sum = sha256(content) + (withName ? "  " + path.substring(path.lastIndexOf('/') + 1) : "") + "\n";
    published.put(path + ".sha256", sum.getBytes(StandardCharsets.UTF_8));
  }

  /** A .tgz made by tar holding {@code files} (name to text, executable) at its top level, as the real archives. */
  private byte[] tgz(String name, Map<String, String> files) throws IOException {
    Path dir = Files.createDirectories(base.resolve("release/" + name));
    List<String> command = new ArrayList<>(List.of("tar", "-C", dir.toString(), "-czf", base.resolve("release/" + name + ".tgz").toString()));
    for (Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
      executable(dir.resolve(file.getKey()), file.getValue());
      command.add("./" + file.getKey());
    }
    Process tar = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (tar.waitFor() != 0) {
        throw new IOException("tar failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return Files.readAllBytes(base.resolve("release/" + name + ".tgz"));
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      log(method + " " + path);
      requests.merge(method + " " + path, 1, Integer::sum);
      int status;
      byte[] body;
      String metadataPrefix = "/computeMetadata/v1/instance/attributes/";
      if (path.startsWith(metadataPrefix)) {
        String value = metadata.get(path.substring(metadataPrefix.length()));
        Headers headers = exchange.getRequestHeaders();
        if (!"Google".equals(headers.getFirst("Metadata-Flavor"))) {
          status = 403;
          body = "Missing Metadata-Flavor:Google header.".getBytes(StandardCharsets.UTF_8);
        } else {
          status = value == null ? 404 : 200;
          body = (value == null ? "not found" : value).getBytes(StandardCharsets.UTF_8);
        }
      } else if (path.equals("/apiserver/version")) {
        // The static pod from the apiserver's manifest, while kubelet runs it.
        Matcher tag = Pattern.compile("image: \\S+:(v\\S+)").matcher(read("/etc/kubernetes/manifests/kube-apiserver.yaml"));
        status = kubeletRunning() && tag.find() ? 200 : 503;
        body = (status == 200 ? "{\"major\":\"1\",\"gitVersion\":\"" + tag.group(1) + "\",\"platform\":\"linux/amd64\"}"
            : "connection refused").getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/kubelet/healthz")) {
        status = kubeletRunning() ? 200 : 503;
        body = (status == 200 ? "ok" : "kubelet is not running").getBytes(StandardCharsets.UTF_8);
      } else {
        byte[] file = published.get(path);
        status = file == null ? 404 : 200;
        body = file == null ? "404 page not found".getBytes(StandardCharsets.UTF_8) : file;
      }
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
      } else {
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
      }
    } catch (IOException | RuntimeException e) {
      log("server error: " + e);
      throw e;
    }
  }

  private synchronized void log(String line) {
    try {
      Files.writeString(callsLog, line + "\n", StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    if (!file.toFile().setExecutable(true)) {
      throw new IOException("cannot make " + file + " executable");
    }
  }

  private static String which(String program) throws IOException {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path candidate = Path.of(dir, program);
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new IOException(program + " is not on PATH");
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops what is still running (only the scripts started here, by their process) and the server. */
  @Override
  public void close() {
    for (Started run : started) {
      if (run.process.isAlive()) {
        run.kill();
      }
    }
    server.stop(0);
  }
}
