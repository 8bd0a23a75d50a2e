package org.fleetupgrade.controlplane.script;

/**
 * A stage's settings for member upgrade scripts: everything besides the target and the member,
 * from the worker's config.
 *
 * @param sshPort the port control-plane hosts listen on (22)
 * @param adminConf where the member that runs apply keeps admin.conf
 * @param metadata where the VMs' instance metadata names the API load balancer
 */
public record MemberScriptSettings(
    String project,
    String arch,
    String clusterCidr,
    String serviceCidr,
    ReleaseSources sources,
    AdminConfCopy adminConf,
    String kubeadmTemplate,
    int readyzTimeoutSeconds,
    int sshPort,
    HostMetadata metadata) {}
