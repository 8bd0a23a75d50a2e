package org.fleetupgrade.controlplane.script;

import static org.fleetupgrade.controlplane.script.ShellValues.quote;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The script that upgrades one control-plane member, as the manual checklist did it: once it holds
 * the host's lock (one fleet-upgrade script at a time; exit {@value #ANOTHER_SCRIPT_RUNNING}
 * otherwise), read and check first everything it needs (metadata, template, tool versions, free
 * disk space, every download answering) and render the kubeadm config from the host's template, then install the CNI plugins,
 * crictl and kubeadm (each checked against its published SHA-256), run {@code kubeadm upgrade
 * apply} while the cluster's kubeadm-config is not yet at the target (the first member; a retry
 * after it succeeded finds the config upgraded and runs {@code node}) or {@code kubeadm upgrade
 * node}, copy admin.conf after apply, install kubelet and kubectl, re-apply the two manifest edits only if missing, restart
 * kubelet and wait until the member settled: the local apiserver reports the target version and
 * its static pods run the target images.
 *
 * <p>Values only ever appear in the preamble, validated and single-quoted; the body is fixed text.
 * Each step announces itself ({@code ==> step NAME}) and the decision it took ({@code ==> result
 * apply|node|already-at-target}), which the executor streams to the activity's heartbeat.
 */
public final class MemberUpgradeScript {

  /** Exit status when a download does not match its published checksum: retrying cannot fix it. */
  public static final int CHECKSUM_MISMATCH = 42;
  /** Exit status when instance metadata holds something that is not a DNS name. */
  public static final int BAD_METADATA = 43;
  /** Exit status when the member did not settle at the target in time (apiserver version, static pod images). */
  public static final int NOT_READY = 44;
  /** Exit status when the kubeadm template is missing, or leaves a placeholder unfilled. */
  public static final int BAD_TEMPLATE = 45;
  /** Exit status when the target's CNI plugins or crictl are older than the host's. */
  public static final int TOOL_DOWNGRADE = 46;
  /** Exit status when the downloads' directory or an install directory has too little free space. */
  public static final int NO_DISK_SPACE = 47;
  /** Exit status when a file the script would download (or its published checksum) does not answer. */
  public static final int DOWNLOAD_UNAVAILABLE = 48;
  /**
   * Exit status when another fleet-upgrade script holds the host's lock (a retry while an attempt
   * still runs there): nothing was done, and the other run ends or is stopped.
   */
  public static final int ANOTHER_SCRIPT_RUNNING = 49;

  public static final String RESULT_MARKER = "==> result ";
  /** What the admin.conf step did: {@code copied} or {@code unchanged} (the bucket held it already). */
  public static final String ADMIN_CONF_MARKER = "==> admin-conf ";

  private MemberUpgradeScript() {}

  public static String render(MemberScriptInputs in) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("K8S_VERSION", in.target().kubernetes().toString());
    values.put("CNI_VERSION", in.target().cni().toString());
    values.put("CRICTL_VERSION", in.target().crictl().toString());
    values.put("ALLOW_TOOL_DOWNGRADE", in.target().toolDowngradeAllowed() ? "yes" : "no");
    values.put("ARCH", in.arch());
    values.put("MEMBER", in.member());
    values.put("PROJECT", in.project());
    values.put("INTERNAL_IP", in.internalIp());
    values.put("EXTERNAL_IP", in.externalIp());
    values.put("CLUSTER_CIDR", in.clusterCidr());
    values.put("SERVICE_CIDR", in.serviceCidr());
    values.put("K8S_RELEASE_URL", in.sources().kubernetes());
    values.put("CNI_RELEASE_URL", in.sources().cniPlugins());
    values.put("CRICTL_RELEASE_URL", in.sources().crictl());
    values.put("ADMIN_CONF_DESTINATION", in.adminConf().destination());
    values.put("KUBEADM_TEMPLATE", in.kubeadmTemplate());
    values.put("READYZ_TIMEOUT_SECONDS", Integer.toString(in.readyzTimeoutSeconds()));
    values.put("ZONE", in.zone());
    values.put("METADATA_ATTRIBUTE", in.metadata().attribute());
    values.put("LOAD_BALANCER_PATH", in.metadata().loadBalancerPath());
    values.put("WORK_SPACE_MB", Integer.toString(ScriptBlocks.WORK_SPACE_MB));
    values.put("INSTALL_SPACE_MB", Integer.toString(ScriptBlocks.INSTALL_SPACE_MB));
    values.put("LOCK_FILE", ScriptBlocks.LOCK_FILE);

    StringBuilder script = new StringBuilder();
    script.append("#!/bin/bash\n");
    script.append("# fleet-upgrade: upgrade control-plane member ").append(in.member()).append(" to ")
        .append(in.target().kubernetes()).append('\n');
    script.append("set -euo pipefail\n\n");
    values.forEach((name, value) -> script.append(name).append('=').append(quote(value)).append('\n'));
    script.append("ADMIN_CONF_HEADERS=(").append(in.adminConf().gsutilHeaders()).append(")\n");
    script.append(ScriptBlocks.FUNCTIONS).append('\n').append(BODY);
    return script.toString();
  }

  private static final String BODY = """
      # Settled, not just ready: /readyz can be answered by the old apiserver container. The local
      # apiserver must report the target version, and this member's static pods must run the
      # target images, ready (the pods restarted from the edited manifests).
      settled() {
        local version component image ready
        version="$(curl -fsk --max-time 5 https://localhost:6443/version 2>/dev/null | jq -r '.gitVersion // empty' 2>/dev/null || true)"
        if [ "$version" != "$K8S_VERSION" ]; then
          WAITING="the local apiserver reports '${version:-nothing}', not ${K8S_VERSION}"
          return 1
        fi
        for component in kube-apiserver kube-controller-manager kube-scheduler; do
          read -r image ready < <(/opt/bin/kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system \\
              get pod "${component}-${MEMBER}" -o jsonpath='{.status.containerStatuses[0].image} {.status.containerStatuses[0].ready}' \\
              2>/dev/null || true)
          if [ "${image##*:}" != "$K8S_VERSION" ] || [ "$ready" != "true" ]; then
            WAITING="${component}-${MEMBER} runs '${image:-nothing}' (ready: ${ready:-unknown}), not ${K8S_VERSION}"
            return 1
          fi
        done
      }

      wait_settled() {
        local deadline=$((SECONDS + READYZ_TIMEOUT_SECONDS))
        WAITING=""
        until settled; do
          if [ "$SECONDS" -ge "$deadline" ]; then
            echo "not settled at ${K8S_VERSION} after ${READYZ_TIMEOUT_SECONDS}s: ${WAITING}" >&2
            exit 44
          fi
          sleep 5
        done
        echo "settled: the apiserver and this member's static pods run ${K8S_VERSION}"
      }

      """ + ScriptBlocks.ADMIN_CONF + """

      step check-current
      # Done is what a finished run leaves: kubelet at the target and running, the apiserver's
      # manifest at the target with our edit (then wait_settled checks the static pods). Binaries and
      # manifests alone are not enough: a crash between stopping and starting kubelet leaves them.
      if [ "$(/opt/bin/kubelet --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ] \\
          && grep -q "kube-apiserver:${K8S_VERSION}" /etc/kubernetes/manifests/kube-apiserver.yaml \\
          && grep -q -- "--advertise-address=${EXTERNAL_IP}" /etc/kubernetes/manifests/kube-apiserver.yaml \\
          && systemctl is-active --quiet kubelet; then
        result already-at-target
        copy_admin_conf_if_applied_here
        wait_settled
        exit 0
      fi

      step render-kubeadm-config
      # Everything read from the host, and the config rendered, before anything on it changes.
      if ! command -v jq >/dev/null; then
        echo "jq is not installed: it reads the metadata attribute ${METADATA_ATTRIBUTE}" >&2
        exit 43
      fi
      if ! command -v gsutil >/dev/null; then
        echo "gsutil is not installed: it keeps admin.conf in ${ADMIN_CONF_DESTINATION}" >&2
        exit 43
      fi
      METADATA=http://metadata.google.internal/computeMetadata/v1
      if ! CLUSTER_DATA="$(curl -fsS -H 'Metadata-Flavor: Google' "${METADATA}/instance/attributes/${METADATA_ATTRIBUTE}")"; then
        echo "instance metadata has no attribute ${METADATA_ATTRIBUTE}: it names the API load balancer" >&2
        exit 43
      fi
      API_LOAD_BALANCER="$(jq -r "$LOAD_BALANCER_PATH // empty" <<<"$CLUSTER_DATA" 2>/dev/null || true)"
      if ! [[ "$API_LOAD_BALANCER" =~ ^[A-Za-z0-9.-]+$ ]]; then
        echo "instance metadata ${METADATA_ATTRIBUTE} holds '${API_LOAD_BALANCER}' at ${LOAD_BALANCER_PATH}, which is not a DNS name" >&2
        exit 43
      fi
      # The GCE internal DNS name, as the real upgrade script builds it.
      INTERNAL_DNS="${MEMBER}.${ZONE}.c.${PROJECT}.internal"
      if [ ! -r "$KUBEADM_TEMPLATE" ]; then
        echo "the kubeadm config template ${KUBEADM_TEMPLATE} is missing or unreadable" >&2
        exit 45
      fi
      # Token and CA hash are not used by an upgrade; kubeadm >= 1.29 wants a well-formed certificate key.
      CERT_KEY="$(openssl rand -hex 32)"
      sed -e "s|{{PROJECT}}|${PROJECT}|g" \\
          -e "s|{{INTERNAL_IP}}|${INTERNAL_IP}|g" \\
          -e "s|{{INTERNAL_DNS}}|${INTERNAL_DNS}|g" \\
          -e "s|{{MACHINE_NAME}}|${MEMBER}|g" \\
          -e "s|{{API_LOAD_BALANCER}}|${API_LOAD_BALANCER}|g" \\
          -e "s|{{K8S_VERSION}}|${K8S_VERSION}|g" \\
          -e "s|{{CLUSTER_CIDR}}|${CLUSTER_CIDR}|g" \\
          -e "s|{{SERVICE_CIDR}}|${SERVICE_CIDR}|g" \\
          -e "s|{{TOKEN}}|NOT_USED|g" \\
          -e "s|{{CA_CERT_HASH}}|NOT_USED|g" \\
          -e "s|{{CERT_KEY}}|${CERT_KEY}|g" \\
          "$KUBEADM_TEMPLATE" > "$WORK/kubeadm-config.yml"
      if LEFT="$(grep -o '{{[^}]*}}' "$WORK/kubeadm-config.yml" | sort -u | tr '\\n' ' ')" && [ -n "$LEFT" ]; then
        echo "${KUBEADM_TEMPLATE} holds placeholders this script does not fill: ${LEFT}" >&2
        exit 45
      fi

      """ + ScriptBlocks.CHECK_NO_TOOL_DOWNGRADE + ScriptBlocks.CHECK_DISK_SPACE
      + ScriptBlocks.CHECK_DOWNLOADS + ScriptBlocks.INSTALL_TOOLS + ScriptBlocks.DOWNLOAD_KUBELET_KUBECTL + """
      step install-kubeadm-config
      install -m 0600 "$WORK/kubeadm-config.yml" /etc/kubernetes/kubeadm-config.yml

      step kubeadm-upgrade
      # kubeadm waits for kubelet to restart each static pod whose manifest it changes. A run killed
      # while kubelet was stopped leaves it stopped, and the manifests edited, so that kubeadm changes
      # them again: with kubelet stopped it would time out and roll back, on every retry. Start it
      # first (whichever kubelet is installed: the swap below installs the target's).
      if ! systemctl is-active --quiet kubelet; then
        echo "kubelet is not running (a run stopped between stopping and starting it?): starting it, as kubeadm needs it"
        systemctl daemon-reload
        systemctl start kubelet || echo "kubelet did not start: kubeadm may fail waiting for the static pods" >&2
      fi
      # "First" is decided by the cluster, not by zone order: until kubeadm-config reports the
      # target, this member applies; a retry after the first member succeeded upgrades as a node.
      CLUSTER_VERSION="$(/opt/bin/kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system \\
          get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' | awk '/kubernetesVersion:/ {print $2}')"
      if [ "$CLUSTER_VERSION" != "$K8S_VERSION" ]; then
        result apply
        /opt/bin/kubeadm upgrade apply "$K8S_VERSION" --force --certificate-renewal=true
        mkdir -p "$(dirname "$APPLIED_MARK")"
        echo "$K8S_VERSION" > "$APPLIED_MARK"
        copy_admin_conf
      else
        result node
        /opt/bin/kubeadm upgrade node
        copy_admin_conf_if_applied_here
      fi

      """ + ScriptBlocks.STOP_AND_INSTALL_KUBELET_KUBECTL + """
      step manifest-edits
      APISERVER=/etc/kubernetes/manifests/kube-apiserver.yaml
      if grep -q -- "--advertise-address=${EXTERNAL_IP}" "$APISERVER"; then
        echo "kube-apiserver already advertises ${EXTERNAL_IP}"
      else
        sed -i -E "s|--advertise-address=[0-9.]+|--advertise-address=${EXTERNAL_IP}|" "$APISERVER"
      fi
      ETCD=/etc/kubernetes/manifests/etcd.yaml
      if grep -q -- "--listen-metrics-urls=.*${INTERNAL_IP}" "$ETCD"; then
        echo "etcd already serves metrics on ${INTERNAL_IP}"
      else
        sed -i -E "s|(--listen-metrics-urls=[^ \\"]*)|\\\\1,http://${INTERNAL_IP}:2381|" "$ETCD"
      fi

      """ + ScriptBlocks.START_KUBELET + """
      step wait-settled
      wait_settled
      step done
      """;
}
