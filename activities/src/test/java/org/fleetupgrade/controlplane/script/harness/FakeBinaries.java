package org.fleetupgrade.controlplane.script.harness;

/**
 * The programs of a {@link ThrowawayHost}, as bash scripts. Two kinds:
 *
 * <ul>
 *   <li>Release files, served by the host's HTTP server and installed by the scripts themselves (or
 *       put on the host beforehand at the old version): kubeadm, kubelet, kubectl, crictl and the
 *       CNI plugins. Each logs {@code "$0 $*"} and behaves as far as the scripts look: versions as
 *       the real ones print them, kubeadm rewriting the static pod manifests as an upgrade does,
 *       kubectl answering the two queries the member script makes from the host's state.
 *   <li>Stubs first on PATH: systemctl, gsutil, df and sleep, and two wrappers that log and then
 *       run the real install and tar.
 * </ul>
 *
 * <p>kubeadm, systemctl, gsutil, install and tar can hold a script at a given call (see HOLD).
 *
 * <p>They find the host through the environment ThrowawayHost runs every script with:
 * FAKE_ROOT (the throwaway root), FAKE_STATE (kubelet running or stopped, the cluster's
 * kubernetesVersion, failures to inject), FAKE_CALLS (the calls log), FAKE_BUCKET (the GCS bucket
 * as a directory), FAKE_NODE_NAME and FAKE_INTERNAL_IP. Texts use {@code @NAME@} placeholders
 * rather than format strings, so that bash's own {@code %} and backslashes stay as written.
 */
final class FakeBinaries {

  private FakeBinaries() {}

  /**
   * Lets a test stop the script at a call: when FAKE_HOLD (a named pipe) is set and the call, as
   * logged with the root written as the script names it, matches the glob FAKE_HOLD_AT, the program
   * prints "holding at CALL" and waits until a line can be read from the pipe, before doing anything.
   */
  private static final String HOLD = """
      hold() {
        local call="${1//"$FAKE_ROOT"/}"
        if [ -n "${FAKE_HOLD:-}" ] && [[ "$call" == ${FAKE_HOLD_AT:-} ]]; then
          echo "holding at ${call}"
          read -r _ < "$FAKE_HOLD"
        fi
      }
      """;

  static String kubelet(String version) {
    return """
        #!/bin/bash
        # fake kubelet @VERSION@
        echo "$0 $*" >> "$FAKE_CALLS"
        case "${1:-}" in
          --version) echo "Kubernetes @VERSION@" ;;
          *) echo "fake kubelet: only --version is modelled (kubelet runs as systemctl's state)" >&2; exit 1 ;;
        esac
        """.replace("@VERSION@", version);
  }

  static String crictl(String version) {
    return """
        #!/bin/bash
        # fake crictl @VERSION@
        echo "$0 $*" >> "$FAKE_CALLS"
        case "${1:-}" in
          --version) echo "crictl version @VERSION@" ;;
          *) echo "fake crictl: only --version is modelled" >&2; exit 1 ;;
        esac
        """.replace("@VERSION@", version);
  }

  /** A CNI plugin: {@code --version} prints what the containernetworking plugins print. */
  static String cniPlugin(String name, String version) {
    return """
        #!/bin/bash
        # fake CNI plugin @NAME@ @VERSION@
        echo "$0 $*" >> "$FAKE_CALLS"
        case "${1:-}" in
          --version) printf 'CNI @NAME@ plugin @VERSION@\\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\\n' ;;
          *) echo "fake @NAME@: only --version is modelled" >&2; exit 1 ;;
        esac
        """.replace("@NAME@", name).replace("@VERSION@", version);
  }

  /**
   * kubeadm {@code upgrade apply VERSION} and {@code upgrade node}, as far as the host shows them.
   * apply is refused unless VERSION is kubeadm's own; node upgrades to the cluster's
   * kubernetesVersion. Each static pod manifest of a control-plane member is regenerated from the
   * cluster's config (the image at that version, the apiserver advertising the internal IP, etcd
   * serving metrics on 127.0.0.1 only: the hand edits are gone, as after a real upgrade); a
   * manifest equal to the one there is skipped, as kubeadm does ("Current and new manifests ... are
   * equal, skipping upgrade"); one that changes needs kubelet to restart the static pod, so with
   * kubelet stopped kubeadm fails (the real one times out waiting for the pod's hash to change, then
   * rolls back), and nothing is changed. apply then records VERSION as the cluster's
   * kubernetesVersion (kubeadm-config) and renews admin.conf (--certificate-renewal).
   */
  static String kubeadm(String version) {
    return """
        #!/bin/bash
        # fake kubeadm @VERSION@
        echo "$0 $*" >> "$FAKE_CALLS"
        set -euo pipefail
        @HOLD@
        hold "$0 $*"
        if [ "${1:-} ${2:-}" != "upgrade apply" ] && [ "${1:-} ${2:-}" != "upgrade node" ]; then
          echo "fake kubeadm: not modelled: $*" >&2
          exit 2
        fi
        if [ "$2" = apply ]; then
          target="${3:-}"
          if [ "$target" != "@VERSION@" ]; then
            echo "[upgrade/version] FATAL: the --version argument is invalid: kubeadm is @VERSION@, asked for '${target}'" >&2
            exit 1
          fi
        else
          target="$(cat "$FAKE_STATE/cluster-version")"
        fi
        manifests="$FAKE_ROOT/etc/kubernetes/manifests"
        new="$(mktemp -d)"
        trap 'rm -rf "$new"' EXIT
        changed=()
        for component in etcd kube-apiserver kube-controller-manager kube-scheduler; do
          if [ ! -f "$manifests/$component.yaml" ]; then continue; fi
          sed -E -e "s|(image: registry.k8s.io/kube-[a-z-]+):v[^ ]*|\\1:${target}|" \\
              -e "s|--advertise-address=[0-9.]+|--advertise-address=${FAKE_INTERNAL_IP}|" \\
              -e "s|--listen-metrics-urls=[^ \\"]*|--listen-metrics-urls=http://127.0.0.1:2381|" \\
              "$manifests/$component.yaml" > "$new/$component.yaml"
          if cmp -s "$new/$component.yaml" "$manifests/$component.yaml"; then
            echo "[upgrade/staticpods] Current and new manifests of ${component} are equal, skipping upgrade"
          else
            changed+=("$component")
          fi
        done
        if [ ${#changed[@]} -gt 0 ] && [ "$(cat "$FAKE_STATE/kubelet")" != running ]; then
          echo "[upgrade/staticpods] FATAL: timed out waiting for the static pod ${changed[0]} to restart (kubelet is not running);" \\
              "the earlier manifests were restored" >&2
          exit 1
        fi
        for component in ${changed[@]+"${changed[@]}"}; do
          cp "$new/$component.yaml" "$manifests/$component.yaml"
          echo "[upgrade/staticpods] Moved new manifest to \\"$manifests/$component.yaml\\""
        done
        if [ "$2" = apply ]; then
          echo "$target" > "$FAKE_STATE/cluster-version"
          printf 'apiVersion: v1\\nkind: Config\\n# certificates renewed by kubeadm upgrade apply %s\\n' "$target" \\
              > "$FAKE_ROOT/etc/kubernetes/admin.conf"
        fi
        echo "[upgrade/successful] SUCCESS! upgraded to ${target}"
        """.replace("@VERSION@", version).replace("@HOLD@", HOLD);
  }

  /**
   * kubectl answering the member script's two queries: the kubeadm-config ClusterConfiguration
   * (the cluster's kubernetesVersion) and a static pod's image and readiness (the image in this
   * member's manifest, ready while kubelet runs), for pods named {@code <component>-<node>}. The
   * kubeconfig it is given must be readable. jsonpath output has no trailing newline, as kubectl's.
   */
  static String kubectl(String version) {
    return """
        #!/bin/bash
        # fake kubectl @VERSION@
        echo "$0 $*" >> "$FAKE_CALLS"
        kubeconfig="" args=()
        while [ $# -gt 0 ]; do
          case "$1" in
            --kubeconfig|-n|-o) if [ "$1" = --kubeconfig ]; then kubeconfig="$2"; fi; shift 2 ;;
            *) args+=("$1"); shift ;;
          esac
        done
        if [ "${args[0]:-}" = version ]; then echo "Client Version: @VERSION@"; exit 0; fi
        if [ ! -r "$kubeconfig" ]; then
          echo "error: stat ${kubeconfig}: no such file or directory" >&2
          exit 1
        fi
        case "${args[0]:-} ${args[1]:-} ${args[2]:-}" in
          "get configmap kubeadm-config")
            printf 'apiServer: {}\\nkind: ClusterConfiguration\\nkubernetesVersion: %s\\n' "$(cat "$FAKE_STATE/cluster-version")"
            ;;
          "get pod "*)
            for component in kube-apiserver kube-controller-manager kube-scheduler etcd; do
              manifest="$FAKE_ROOT/etc/kubernetes/manifests/${component}.yaml"
              if [ "${args[2]}" = "${component}-${FAKE_NODE_NAME}" ] && [ -f "$manifest" ]; then
                ready=false
                if [ "$(cat "$FAKE_STATE/kubelet")" = running ]; then ready=true; fi
                printf '%s %s' "$(awk '$1 == "image:" {print $2; exit}' "$manifest")" "$ready"
                exit 0
              fi
            done
            echo "Error from server (NotFound): pods \\"${args[2]}\\" not found" >&2
            exit 1
            ;;
          *) echo "fake kubectl: not modelled: ${args[*]}" >&2; exit 1 ;;
        esac
        """.replace("@VERSION@", version);
  }

  /**
   * systemctl for the kubelet unit, its state in $FAKE_STATE/kubelet: is-active, stop, start (which
   * fails unless /opt/bin/kubelet runs) and daemon-reload. Anything else is an error.
   */
  static String systemctl() {
    return """
        #!/bin/bash
        echo "systemctl $*" >> "$FAKE_CALLS"
        @HOLD@
        hold "systemctl $*"
        state="$FAKE_STATE/kubelet"
        case "$*" in
          "is-active --quiet kubelet") [ "$(cat "$state")" = running ] ;;
          "is-active kubelet") cat "$state"; [ "$(cat "$state")" = running ] ;;
          "stop kubelet") echo stopped > "$state" ;;
          "start kubelet")
            if FAKE_CALLS=/dev/null "$FAKE_ROOT/opt/bin/kubelet" --version >/dev/null 2>&1; then
              echo running > "$state"
            else
              echo "Job for kubelet.service failed because the control process exited with error code." >&2
              exit 1
            fi
            ;;
          daemon-reload) ;;
          *) echo "fake systemctl: not modelled: $*" >&2; exit 1 ;;
        esac
        """.replace("@HOLD@", HOLD);
  }

  /**
   * gsutil's cat and cp over $FAKE_BUCKET (gs://BUCKET/OBJECT is $FAKE_BUCKET/BUCKET/OBJECT), after
   * -q and -h HEADER options, which are logged with the call. cp fails (403) as many times as
   * $FAKE_STATE/gsutil-cp-failures says, counting down.
   */
  static String gsutil() {
    return """
        #!/bin/bash
        echo "gsutil $*" >> "$FAKE_CALLS"
        set -euo pipefail
        @HOLD@
        hold "gsutil $*"
        args=("$@")
        while [ ${#args[@]} -gt 0 ]; do
          case "${args[0]}" in
            -q) args=("${args[@]:1}") ;;
            -h) args=("${args[@]:2}") ;;
            *) break ;;
          esac
        done
        object() {
          if [[ "$1" != gs://*/* ]]; then echo "fake gsutil: not a gs:// object URL: $1" >&2; return 1; fi
          echo "$FAKE_BUCKET/${1#gs://}"
        }
        case "${args[0]:-}" in
          cat)
            file="$(object "${args[1]}")"
            if [ ! -f "$file" ]; then echo "CommandException: No URLs matched: ${args[1]}" >&2; exit 1; fi
            cat "$file"
            ;;
          cp)
            file="$(object "${args[2]}")"
            failures="$(cat "$FAKE_STATE/gsutil-cp-failures" 2>/dev/null || echo 0)"
            if [ "$failures" -gt 0 ]; then
              echo $((failures - 1)) > "$FAKE_STATE/gsutil-cp-failures"
              echo "AccessDeniedException: 403 Forbidden: cannot write ${args[2]}" >&2
              exit 1
            fi
            mkdir -p "$(dirname "$file")"
            cp "${args[1]}" "$file"
            ;;
          *) echo "fake gsutil: not modelled: $*" >&2; exit 1 ;;
        esac
        """.replace("@HOLD@", HOLD);
  }

  /** df -Pk: 50 GB free wherever asked (the scripts' space checks: PreflightChecksTest). */
  static String df() {
    return """
        #!/bin/bash
        echo "df $*" >> "$FAKE_CALLS"
        printf 'Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/fake 104857600 1048576 52428800 2%% /\\n'
        """;
  }

  /** sleep returns at once: the waits loop on conditions the host answers, and nothing here depends on wall time. */
  static String sleep() {
    return "#!/bin/bash\nexit 0\n";
  }

  /**
   * A wrapper that logs {@code NAME ARGS} and runs the real program. install also fails, as a
   * read-only file system would make it, when its destination is the path in
   * $FAKE_STATE/fail-install (a path as the script names it, under the throwaway root).
   */
  static String loggingWrapper(String name, String real) {
    return """
        #!/bin/bash
        echo "@NAME@ $*" >> "$FAKE_CALLS"
        @HOLD@
        hold "@NAME@ $*"
        if [ "@NAME@" = install ] && [ -f "$FAKE_STATE/fail-install" ] \\
            && [ "${*: -1}" = "${FAKE_ROOT}$(cat "$FAKE_STATE/fail-install")" ]; then
          echo "install: cannot create regular file '${*: -1}': Read-only file system" >&2
          exit 1
        fi
        exec @REAL@ "$@"
        """.replace("@HOLD@", HOLD).replace("@NAME@", name).replace("@REAL@", real);
  }
}
