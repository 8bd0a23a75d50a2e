package org.fleetupgrade.controlplane.script;

import java.util.Objects;
import org.fleetupgrade.version.TargetVersions;

/**
 * Everything the upgrade script of one control-plane member is made from, validated on
 * construction: a bad value is rejected with its name before any script exists.
 *
 * @param adminConf where the member that runs apply keeps the refreshed admin.conf
 * @param kubeadmTemplate the host's kubeadm config template, rendered with the placeholders below
 * @param zone the member's zone (us-east1-b): its internal DNS name is {@code <vm>.<zone>.c.<project>.internal}
 * @param metadata where its instance metadata names the API load balancer
 */
public record MemberScriptInputs(
    TargetVersions target,
    String arch,
    String member,
    String project,
    String internalIp,
    String externalIp,
    String clusterCidr,
    String serviceCidr,
    ReleaseSources sources,
    AdminConfCopy adminConf,
    String kubeadmTemplate,
    int readyzTimeoutSeconds,
    String zone,
    HostMetadata metadata) {

  public MemberScriptInputs {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(sources, "sources");
    Objects.requireNonNull(metadata, "metadata");
    ShellValues.dnsLabel("zone", zone);
    if (!"amd64".equals(arch) && !"arm64".equals(arch)) {
      throw new IllegalArgumentException("architecture '" + arch + "' is not amd64 or arm64");
    }
    ShellValues.dnsLabel("member name", member);
    ShellValues.dnsLabel("project", project);
    ShellValues.ipv4("internal IP", internalIp);
    ShellValues.ipv4("external IP", externalIp);
    ShellValues.cidr("cluster CIDR", clusterCidr);
    ShellValues.cidr("service CIDR", serviceCidr);
    Objects.requireNonNull(adminConf, "adminConf");
    ShellValues.path("kubeadm config template", kubeadmTemplate);
    if (readyzTimeoutSeconds < 10 || readyzTimeoutSeconds > 3600) {
      throw new IllegalArgumentException("readyz timeout " + readyzTimeoutSeconds + "s is not between 10 and 3600");
    }
    // Versions are ReleaseVersion already: vMAJOR.MINOR.PATCH[-pre] with no room for anything else.
  }
}
