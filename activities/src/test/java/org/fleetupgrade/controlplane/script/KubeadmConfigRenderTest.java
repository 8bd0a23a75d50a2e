package org.fleetupgrade.controlplane.script;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.version.TargetVersions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member script's render step, run for real by bash: its preamble, its functions, and the text
 * from "step render-kubeadm-config" to the disk space check (before the first install), with the
 * metadata server played by a local HTTP server shaped as M-Lab's (the attribute cluster_data
 * holding JSON; no lb_dns), and a template holding the placeholders of M-Lab's real one
 * (epoxy-images virtual_ubuntu).
 */
class KubeadmConfigRenderTest {

  /** The placeholders of M-Lab's template, in a template of our own. */
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
      controlPlaneEndpoint: "{{API_LOAD_BALANCER}}:6443"
      apiServer: {certSANs: ["{{API_LOAD_BALANCER}}", "{{INTERNAL_DNS}}", "{{MACHINE_NAME}}", "{{INTERNAL_IP}}"]}
      etcd: {local: {serverCertSANs: ["{{API_LOAD_BALANCER}}"], peerCertSANs: ["{{MACHINE_NAME}}"]}}
      networking: {podSubnet: "{{CLUSTER_CIDR}}", serviceSubnet: "{{SERVICE_CIDR}}"}
      controllerManager: {extraArgs: {cluster-cidr: "{{CLUSTER_CIDR}}"}}
      """;

  @TempDir
  Path dir;
  HttpServer metadata;
  volatile String clusterData = "{\"cluster_attributes\":{\"api_load_balancer\":\"api-platform-cluster.mlab-oti.measurementlab.net\"}}";

  @BeforeEach
  void metadataServer() throws IOException {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    boolean tools = new ProcessBuilder("sh", "-c", "command -v jq && command -v openssl").start().onExit().join()
        .exitValue() == 0;
    // Skipped with a message locally; under CI (.ci/run installs both) a missing tool is a failure.
    assertThat(tools || System.getenv("CI") == null).as("CI needs jq and openssl (.ci/run installs them)").isTrue();
    Assumptions.assumeTrue(tools, "needs jq and openssl (.ci/run installs them)");
    metadata = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    metadata.createContext("/computeMetadata/v1/instance/attributes/", exchange -> {
      boolean google = "Google".equals(exchange.getRequestHeaders().getFirst("Metadata-Flavor"));
      String attribute = exchange.getRequestURI().getPath().replaceAll(".*/", "");
      byte[] body = clusterData == null || !google || !attribute.equals("cluster_data")
          ? "not found".getBytes(StandardCharsets.UTF_8) : clusterData.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(clusterData == null || !google || !attribute.equals("cluster_data") ? 404 : 200,
          body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    metadata.start();
  }

  @AfterEach
  void stop() {
    if (metadata != null) {
      metadata.stop(0);
    }
  }

  /** Runs the render step; returns exit status and output. */
  private Run render(String template) throws Exception {
    Path file = dir.resolve("kubeadm-config.yml.template");
    Files.writeString(file, template);
    MemberScriptInputs in = new MemberScriptInputs(TargetVersions.parse("v1.34.4", "v1.9.0", "v1.34.0"), "amd64",
        "api-platform-cluster-us-east1-b", "mlab-oti", "10.142.0.2", "35.237.10.1", "192.168.0.0/16", "172.25.0.0/16",
        ReleaseSources.OFFICIAL, AdminConfCopy.to("gs://k8s-support-mlab-oti/admin.conf"), file.toString(), 300, "us-east1-b",
        HostMetadata.MLAB);
    String script = MemberUpgradeScript.render(in);
    int from = script.indexOf("step render-kubeadm-config");
    int to = script.indexOf("step check-disk-space"); // disk and downloads: PreflightChecksTest
    String preamble = TestLockFile.in(dir, script.substring(0, script.indexOf("step check-current")))
        .replace("trap 'rm -rf \"$WORK\"' EXIT", "");
    String step = script.substring(from, to)
        .replace("http://metadata.google.internal", "http://127.0.0.1:" + metadata.getAddress().getPort())
        + "cp \"$WORK/kubeadm-config.yml\" " + ShellValues.quote(dir.resolve("rendered.yml").toString()) + "\n";
    Path run = dir.resolve("render.sh");
    // gsutil is on M-Lab's VMs (the step checks it is there); what it does: AdminConfStepTest.
    Files.writeString(run, preamble + "gsutil() { :; }\n" + step);
    Process bash = new ProcessBuilder("/bin/bash", run.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(bash.exitValue(), new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  record Run(int exit, String output) {}

  @Test
  void everyPlaceholderOfTheRealTemplateIsFilledFromClusterDataAndTheGceNames() throws Exception {
    Run run = render(TEMPLATE);

    assertThat(run.exit()).as(run.output()).isZero();
    String rendered = Files.readString(dir.resolve("rendered.yml"));
    assertThat(rendered).doesNotContain("{{")
        .contains("controlPlaneEndpoint: \"api-platform-cluster.mlab-oti.measurementlab.net:6443\"")
        .contains("\"api-platform-cluster-us-east1-b.us-east1-b.c.mlab-oti.internal\"")
        .contains("token: \"NOT_USED\"", "caCertHashes: [\"NOT_USED\"]", "podSubnet: \"192.168.0.0/16\"");
    assertThat(rendered).containsPattern("certificateKey: \"[0-9a-f]{64}\"");
  }

  @Test
  void noClusterDataAttributeFailsBeforeAnythingIsInstalledAndSaysWhat() throws Exception {
    clusterData = null; // a VM with lb_dns-era metadata, or none

    Run run = render(TEMPLATE);

    assertThat(run.exit()).isEqualTo(MemberUpgradeScript.BAD_METADATA);
    assertThat(run.output()).contains("instance metadata has no attribute cluster_data");
    assertThat(run.output()).doesNotContain("==> step install");
  }

  @Test
  void clusterDataWithoutTheLoadBalancerIsRefused() throws Exception {
    clusterData = "{\"cluster_attributes\":{}}";

    Run run = render(TEMPLATE);

    assertThat(run.exit()).isEqualTo(MemberUpgradeScript.BAD_METADATA);
    assertThat(run.output()).contains("holds '' at .cluster_attributes.api_load_balancer, which is not a DNS name");
  }

  @Test
  void aPlaceholderTheScriptDoesNotKnowIsAnErrorNamingIt() throws Exception {
    Run run = render(TEMPLATE + "featureGates: {{FEATURE_GATES}}\n");

    assertThat(run.exit()).isEqualTo(MemberUpgradeScript.BAD_TEMPLATE);
    assertThat(run.output()).contains("holds placeholders this script does not fill: {{FEATURE_GATES}}");
  }
}
