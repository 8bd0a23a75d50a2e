package org.fleetupgrade.controlplane.script;

/**
 * Fixed script text shared by the member and node-tooling scripts. It only references shell
 * variables set in a script's quoted preamble; nothing is ever spliced into it.
 */
final class ScriptBlocks {

  /**
   * MB that must be free where the downloads land ($WORK): the five downloads and the copy of the
   * old kubelet come to a few hundred MB (estimated from recent amd64 releases, kubelet being the
   * largest and there twice). 1024 leaves room for larger releases and, on the usual host with /tmp
   * and /opt on one filesystem, for the installs as well.
   */
  static final int WORK_SPACE_MB = 1024;
  /**
   * MB that must be free in each install directory (/opt/bin, /opt/cni/bin): crictl, kubeadm,
   * kubelet and kubectl, and the unpacked CNI plugins, each come to a few hundred MB at most, so 512
   * holds both where the two directories share a filesystem. Each directory is checked on its own:
   * needs of directories on one filesystem are not added up.
   */
  static final int INSTALL_SPACE_MB = 512;

  private ScriptBlocks() {}

  /**
   * Makes the script the only fleet-upgrade script on its host, before it does anything else. A
   * retry while an attempt still runs there (its connection dropped, its worker died), or a second
   * worker, must never run kubeadm beside it. The lock is {@code flock} on file descriptor 9 of
   * $LOCK_FILE, held until the script and everything it started have exited: the kernel releases
   * it with the last descriptor, so a killed script leaves no stale lock. The file is opened without
   * truncating it, so that a script that does not get the lock can read who holds it (the holder
   * writes its pid and start time there once it has it); that one prints one line naming them and
   * exits 49, before anything on the host changed.
   *
   * <p>fleet-upgrade stops a cancelled or timed-out run with SIGTERM to its process group: the TERM
   * trap turns it into an exit, so that the EXIT trap runs with a failing status (bash would run it
   * with the status of the last command), and puts the previous kubelet back if it was stopped.
   */
  static final String ONE_SCRIPT_AT_A_TIME = """
      # Stopped (SIGTERM to the process group): exit, so that the EXIT trap runs with a failing status.
      trap 'echo "stopped by SIGTERM (fleet-upgrade stops a run that was cancelled or timed out)" >&2; exit 143' TERM
      # One fleet-upgrade script at a time on this host, held until this one and all it started exit.
      # Opened without truncating: a script that does not get the lock reads who holds it.
      step host-lock
      exec 9<>"$LOCK_FILE"
      LOCK_STATUS=0
      flock -n 9 || LOCK_STATUS=$?
      if [ "$LOCK_STATUS" -eq 1 ]; then
        HOLDER_PID="" HOLDER_SINCE=""
        read -r HOLDER_PID HOLDER_SINCE _ <"$LOCK_FILE" || true
        echo "another fleet-upgrade script holds ${LOCK_FILE} since ${HOLDER_SINCE:-an unknown time} (pid ${HOLDER_PID:-unknown}): not running a second one" >&2
        exit 49
      elif [ "$LOCK_STATUS" -ne 0 ]; then
        echo "cannot lock ${LOCK_FILE}: flock exited ${LOCK_STATUS}" >&2
        exit "$LOCK_STATUS"
      fi
      printf '%s %s\\n' "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$LOCK_FILE"

      """;

  /** Where a script takes the host's lock ({@link #ONE_SCRIPT_AT_A_TIME}): /run is emptied at boot. */
  static final String LOCK_FILE = "/run/fleet-upgrade.lock";

  /** The step/result markers every script announces itself with, carrying the run's nonce. */
  static final String MARKERS = """

      # Markers carry the run's nonce (MARK_NONCE, set by the executor before the script): output of
      # the host's own programs that happens to read "==> result ..." is not taken for one.
      mark() { echo "==> ${MARK_NONCE:+$MARK_NONCE }$*"; }
      step() { mark step "$1"; }
      result() { mark result "$1"; }
      """;

  /**
   * The markers ({@link #MARKERS}) and the host's lock ({@link #ONE_SCRIPT_AT_A_TIME}): how every
   * fleet-upgrade script starts, before it reads or changes anything on the host.
   */
  static final String PREAMBLE = MARKERS + ONE_SCRIPT_AT_A_TIME;

  /**
   * {@link #PREAMBLE}, a work directory, every URL the script downloads (named once, so the
   * up-front checks and the downloads use the same strings), downloads checked against their
   * published SHA-256, and the two up-front checks' functions.
   */
  static final String FUNCTIONS = PREAMBLE + """
      WORK="$(mktemp -d)"
      trap 'rm -rf "$WORK"' EXIT

      # Every file the script downloads, named once: check-downloads asks these very URLs.
      CNI_URL="${CNI_RELEASE_URL}/${CNI_VERSION}/cni-plugins-linux-${ARCH}-${CNI_VERSION}.tgz"
      CRICTL_URL="${CRICTL_RELEASE_URL}/${CRICTL_VERSION}/crictl-${CRICTL_VERSION}-linux-${ARCH}.tar.gz"
      KUBEADM_URL="${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubeadm"
      KUBELET_URL="${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubelet"
      KUBECTL_URL="${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubectl"
      DOWNLOADS=("$CNI_URL" "$CRICTL_URL" "$KUBEADM_URL" "$KUBELET_URL" "$KUBECTL_URL")

      # Downloads URL to FILE and installs nothing unless it matches the SHA-256 published at URL.sha256.
      fetch_verified() {
        local url="$1" file="$2" want got
        curl -fsSL --retry 3 -o "$file" "$url"
        want="$(curl -fsSL --retry 3 "${url}.sha256" | awk '{print $1}')"
        got="$(sha256sum "$file" | awk '{print $1}')"
        if [ -z "$want" ] || [ "$want" != "$got" ]; then
          echo "checksum mismatch for ${url}: published ${want:-nothing}, downloaded ${got}" >&2
          exit 42
        fi
      }

      # Exits 47 unless DIR's filesystem has MB free. A directory not there yet is created later, so
      # its nearest existing parent is asked. df -P: one line per filesystem whatever its name's length.
      need_space() {
        local dir="$1" mb="$2" at="$1" free where
        while [ ! -d "$at" ]; do at="$(dirname "$at")"; done
        where="$dir"
        if [ "$at" != "$dir" ]; then where="${dir} (not there yet; checked ${at})"; fi
        free="$(df -Pk "$at" 2>/dev/null | awk 'NR == 2 && $4 ~ /^[0-9]+$/ {print $4}' || true)"
        if [ -z "$free" ]; then
          echo "cannot read the free disk space of ${where}: df -Pk reports nothing usable, and ${mb} MB are needed" >&2
          exit 47
        fi
        if [ "$free" -lt $((mb * 1024)) ]; then
          echo "not enough disk space in ${where}: $((free / 1024)) MB free, ${mb} MB needed" >&2
          exit 47
        fi
      }

      # Exits 48 unless URL answers. HEAD first, as it transfers nothing; GitHub's release downloads
      # redirect to storage URLs signed for GET only, which may refuse HEAD (403), so a refused HEAD
      # is asked again as a GET of the first byte. The line names the URL and curl's last word on it.
      url_answers() {
        local url="$1" why
        if curl -fsSIL --retry 3 -o /dev/null "$url" 2>/dev/null; then
          return 0
        fi
        if ! why="$(curl -fsSL --retry 3 -r 0-0 -o /dev/null "$url" 2>&1)"; then
          why="${why##*$'\\n'}"
          echo "download ${url} does not answer: ${why:-curl failed}" >&2
          exit 48
        fi
      }
      """;

  /**
   * The admin.conf step's functions, shared by the member script and the admin.conf script: the
   * member that ran {@code kubeadm upgrade apply} (apply renewed the cluster's certificates) keeps
   * a mark of it ($APPLIED_MARK holds the version), and copies /etc/kubernetes/admin.conf to
   * $ADMIN_CONF_DESTINATION with $ADMIN_CONF_HEADERS unless the bucket's copy is the same
   * ({@code ==> admin-conf copied|unchanged}). Needs K8S_VERSION, ADMIN_CONF_DESTINATION and
   * ADMIN_CONF_HEADERS from the preamble, and {@link #MARKERS}.
   */
  static final String ADMIN_CONF = """
      # admin.conf goes to the bucket from the member that ran apply (apply renewed the cluster's
      # certificates), on every run on that member until the bucket holds it: a retry after apply
      # takes the node branch. The host remembers that it applied; the bucket's copy is compared.
      APPLIED_MARK=/var/lib/fleet-upgrade/applied
      copy_admin_conf() {
        step copy-admin-conf
        local args=() header
        for header in ${ADMIN_CONF_HEADERS[@]+"${ADMIN_CONF_HEADERS[@]}"}; do args+=(-h "$header"); done
        if gsutil -q cat "$ADMIN_CONF_DESTINATION" 2>/dev/null | cmp -s - /etc/kubernetes/admin.conf; then
          mark admin-conf unchanged
        else
          gsutil -q ${args[@]+"${args[@]}"} cp /etc/kubernetes/admin.conf "$ADMIN_CONF_DESTINATION"
          mark admin-conf copied
        fi
      }
      applied_here() {
        [ "$(cat "$APPLIED_MARK" 2>/dev/null || true)" = "$K8S_VERSION" ]
      }
      copy_admin_conf_if_applied_here() {
        if applied_here; then
          copy_admin_conf
        fi
      }
      """;

  /**
   * Checks, before anything is installed, that the downloads' directory and the install directories
   * have room for them (exit 47, naming the directory, the MB free and the MB needed): a disk found
   * full halfway would leave a host half upgraded.
   */
  static final String CHECK_DISK_SPACE = """
      step check-disk-space
      need_space "$WORK" "$WORK_SPACE_MB"
      need_space /opt/bin "$INSTALL_SPACE_MB"
      need_space /opt/cni/bin "$INSTALL_SPACE_MB"

      """;

  /**
   * Checks, before anything is installed, that every file the script will download, and the
   * checksum published beside it, answers (exit 48, naming the URL): an unpublished release or an
   * unreachable host is found while the host is untouched.
   */
  static final String CHECK_DOWNLOADS = """
      step check-downloads
      for url in "${DOWNLOADS[@]}"; do
        url_answers "$url"
        url_answers "${url}.sha256"  # where fetch_verified reads the checksum
      done

      """;

  /**
   * Refuses, before anything is installed, to put an older CNI plugins or crictl release on the host
   * than it has (exit 46, naming both): a target written from an old config must not downgrade a
   * host that was upgraded by hand or by its boot image. Versions the host does not report are not
   * compared (a first install). {@code start --allow-downgrade} (ALLOW_TOOL_DOWNGRADE=yes) lets it
   * through, said in the output.
   */
  static final String CHECK_NO_TOOL_DOWNGRADE = """
      step check-tool-versions
      older_than() { [ "$1" != "$2" ] && [ "$(printf '%s\\n%s\\n' "${1#v}" "${2#v}" | sort -V | head -n1)" = "${1#v}" ]; }
      HOST_CNI="$(/opt/cni/bin/bridge --version 2>/dev/null | awk '/plugin/ {print $NF; exit}' || true)"
      HOST_CRICTL="$(/opt/bin/crictl --version 2>/dev/null | awk '{print $NF; exit}' || true)"
      for tool in "CNI plugins:${CNI_VERSION}:${HOST_CNI}" "crictl:${CRICTL_VERSION}:${HOST_CRICTL}"; do
        IFS=: read -r name wanted present <<<"$tool"
        if [[ "$present" =~ ^v[0-9]+\\.[0-9]+\\.[0-9]+$ ]] && older_than "$wanted" "$present"; then
          if [ "$ALLOW_TOOL_DOWNGRADE" = yes ]; then
            echo "installing ${name} ${wanted} over ${present}, a downgrade: allowed by --allow-downgrade"
          else
            echo "refusing to install ${name} ${wanted} over ${present}, which the host has: that is a downgrade" \\
                "(start the upgrade with --allow-downgrade to allow it)" >&2
            exit 46
          fi
        fi
      done

      """;

  /** CNI plugins into /opt/cni/bin, crictl into /opt/bin, kubeadm into /opt/bin. */
  static final String INSTALL_TOOLS = """
      step install-cni
      fetch_verified "$CNI_URL" "$WORK/cni.tgz"
      mkdir -p /opt/cni/bin
      tar -C /opt/cni/bin -xzf "$WORK/cni.tgz"

      step install-crictl
      fetch_verified "$CRICTL_URL" "$WORK/crictl.tgz"
      mkdir -p /opt/bin
      tar -C /opt/bin -xzf "$WORK/crictl.tgz"

      step install-kubeadm
      fetch_verified "$KUBEADM_URL" "$WORK/kubeadm"
      install -m 0755 "$WORK/kubeadm" /opt/bin/kubeadm

      """;

  /** kubelet and kubectl downloaded and verified while kubelet still runs: a failed download stops nothing. */
  static final String DOWNLOAD_KUBELET_KUBECTL = """
      step download-kubelet-kubectl
      fetch_verified "$KUBELET_URL" "$WORK/kubelet"
      fetch_verified "$KUBECTL_URL" "$WORK/kubectl"

      """;

  /**
   * Stops kubelet and installs the downloaded kubelet and kubectl. From the stop until
   * {@link #START_KUBELET}, any failure puts the previous kubelet back and starts it before the
   * script exits, and says so: a host is never left without a running kubelet.
   */
  static final String STOP_AND_INSTALL_KUBELET_KUBECTL = """
      step stop-kubelet
      cp -p /opt/bin/kubelet "$WORK/kubelet.previous" 2>/dev/null || true
      restart_previous_kubelet() {
        local status=$?
        if [ "$status" -ne 0 ] && [ -n "${KUBELET_STOPPED:-}" ]; then
          if [ -f "$WORK/kubelet.previous" ]; then
            install -m 0755 "$WORK/kubelet.previous" /opt/bin/kubelet || true
          fi
          systemctl daemon-reload || true
          if systemctl start kubelet; then
            echo "failed after kubelet was stopped (exit ${status}): the previous kubelet was started again" >&2
          else
            echo "failed after kubelet was stopped (exit ${status}), and the previous kubelet did not start" >&2
          fi
        fi
        rm -rf "$WORK"
        exit "$status"
      }
      trap restart_previous_kubelet EXIT
      KUBELET_STOPPED=1
      systemctl stop kubelet

      step install-kubelet-kubectl
      install -m 0755 "$WORK/kubelet" /opt/bin/kubelet
      install -m 0755 "$WORK/kubectl" /opt/bin/kubectl

      """;

  /** Starts the new kubelet; from here a failure no longer puts the previous one back. */
  static final String START_KUBELET = """
      step start-kubelet
      systemctl daemon-reload
      systemctl start kubelet
      KUBELET_STOPPED=

      """;
}
