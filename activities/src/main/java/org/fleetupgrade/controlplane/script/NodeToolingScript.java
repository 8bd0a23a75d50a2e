package org.fleetupgrade.controlplane.script;

import static org.fleetupgrade.controlplane.script.ShellValues.quote;

import java.util.LinkedHashMap;
import java.util.Map;
import org.fleetupgrade.version.TargetVersions;

/**
 * The script that brings a cloud virtual node's tooling to the target: once it holds the host's lock
 * (one fleet-upgrade script at a time) and tool versions, free disk space and every download
 * answering are checked, CNI plugins, crictl and kubeadm (checked against
 * their published SHA-256), {@code kubeadm upgrade node}, then kubelet and kubectl, and kubelet's
 * health endpoint waited for. A node whose kubelet already runs the target
 * reports {@code already-at-target} and changes nothing.
 */
public final class NodeToolingScript {

  private NodeToolingScript() {}

  public static String render(TargetVersions target, String arch, String node, ReleaseSources sources, int healthTimeoutSeconds) {
    if (!"amd64".equals(arch) && !"arm64".equals(arch)) {
      throw new IllegalArgumentException("architecture '" + arch + "' is not amd64 or arm64");
    }
    ShellValues.dnsName("node name", node);
    if (healthTimeoutSeconds < 10 || healthTimeoutSeconds > 3600) {
      throw new IllegalArgumentException("kubelet health timeout " + healthTimeoutSeconds + "s is not between 10 and 3600");
    }
    Map<String, String> values = new LinkedHashMap<>();
    values.put("K8S_VERSION", target.kubernetes().toString());
    values.put("CNI_VERSION", target.cni().toString());
    values.put("CRICTL_VERSION", target.crictl().toString());
    values.put("ALLOW_TOOL_DOWNGRADE", target.toolDowngradeAllowed() ? "yes" : "no");
    values.put("ARCH", arch);
    values.put("NODE", node);
    values.put("K8S_RELEASE_URL", sources.kubernetes());
    values.put("CNI_RELEASE_URL", sources.cniPlugins());
    values.put("CRICTL_RELEASE_URL", sources.crictl());
    values.put("HEALTH_TIMEOUT_SECONDS", Integer.toString(healthTimeoutSeconds));
    values.put("WORK_SPACE_MB", Integer.toString(ScriptBlocks.WORK_SPACE_MB));
    values.put("INSTALL_SPACE_MB", Integer.toString(ScriptBlocks.INSTALL_SPACE_MB));
    values.put("LOCK_FILE", ScriptBlocks.LOCK_FILE);

    StringBuilder script = new StringBuilder("#!/bin/bash\n");
    script.append("# fleet-upgrade: upgrade the tooling of node ").append(node).append(" to ")
        .append(target.kubernetes()).append('\n');
    script.append("set -euo pipefail\n\n");
    values.forEach((name, value) -> script.append(name).append('=').append(quote(value)).append('\n'));
    return script.append(ScriptBlocks.FUNCTIONS).append('\n').append(BODY).toString();
  }

  private static final String BODY = """
      wait_kubelet() {
        local deadline=$((SECONDS + HEALTH_TIMEOUT_SECONDS))
        until curl -fs --max-time 5 http://localhost:10248/healthz >/dev/null; do
          if [ "$SECONDS" -ge "$deadline" ]; then
            echo "kubelet is not healthy after ${HEALTH_TIMEOUT_SECONDS}s" >&2
            exit 44
          fi
          sleep 5
        done
      }

      step check-current
      # Done is what a finished run leaves: every tool at the target and kubelet running (a crash
      # between stopping and starting kubelet leaves the new binary and a stopped kubelet).
      if [ "$(/opt/bin/kubelet --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ] \\
          && [ "$(/opt/bin/crictl --version 2>/dev/null | awk '{print $NF; exit}')" = "$CRICTL_VERSION" ] \\
          && [ "$(/opt/cni/bin/bridge --version 2>/dev/null | awk '/plugin/ {print $NF; exit}')" = "$CNI_VERSION" ] \\
          && systemctl is-active --quiet kubelet; then
        result already-at-target
        exit 0
      fi

      """ + ScriptBlocks.CHECK_NO_TOOL_DOWNGRADE + ScriptBlocks.CHECK_DISK_SPACE
      + ScriptBlocks.CHECK_DOWNLOADS + ScriptBlocks.INSTALL_TOOLS + ScriptBlocks.DOWNLOAD_KUBELET_KUBECTL
      + """
      step kubeadm-upgrade
      result node
      /opt/bin/kubeadm upgrade node

      """ + ScriptBlocks.STOP_AND_INSTALL_KUBELET_KUBECTL + ScriptBlocks.START_KUBELET + """
      step wait-kubelet
      wait_kubelet
      step done
      """;
}
