#!/bin/bash
# fleet-upgrade: upgrade the tooling of node vm-1.mlab-oti.measurement-lab.org to v1.31.2
set -euo pipefail

K8S_VERSION='v1.31.2'
CNI_VERSION='v1.6.2'
CRICTL_VERSION='v1.31.1'
ALLOW_TOOL_DOWNGRADE='no'
ARCH='amd64'
NODE='vm-1.mlab-oti.measurement-lab.org'
K8S_RELEASE_URL='https://dl.k8s.io/release'
CNI_RELEASE_URL='https://github.com/containernetworking/plugins/releases/download'
CRICTL_RELEASE_URL='https://github.com/kubernetes-sigs/cri-tools/releases/download'
HEALTH_TIMEOUT_SECONDS='300'
WORK_SPACE_MB='1024'
INSTALL_SPACE_MB='512'
LOCK_FILE='/run/fleet-upgrade.lock'

# Markers carry the run's nonce (MARK_NONCE, set by the executor before the script): output of
# the host's own programs that happens to read "==> result ..." is not taken for one.
mark() { echo "==> ${MARK_NONCE:+$MARK_NONCE }$*"; }
step() { mark step "$1"; }
result() { mark result "$1"; }
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
printf '%s %s\n' "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$LOCK_FILE"

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
    why="${why##*$'\n'}"
    echo "download ${url} does not answer: ${why:-curl failed}" >&2
    exit 48
  fi
}

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
if [ "$(/opt/bin/kubelet --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ] \
    && [ "$(/opt/bin/crictl --version 2>/dev/null | awk '{print $NF; exit}')" = "$CRICTL_VERSION" ] \
    && [ "$(/opt/cni/bin/bridge --version 2>/dev/null | awk '/plugin/ {print $NF; exit}')" = "$CNI_VERSION" ] \
    && systemctl is-active --quiet kubelet; then
  result already-at-target
  exit 0
fi

step check-tool-versions
older_than() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -n1)" = "${1#v}" ]; }
HOST_CNI="$(/opt/cni/bin/bridge --version 2>/dev/null | awk '/plugin/ {print $NF; exit}' || true)"
HOST_CRICTL="$(/opt/bin/crictl --version 2>/dev/null | awk '{print $NF; exit}' || true)"
for tool in "CNI plugins:${CNI_VERSION}:${HOST_CNI}" "crictl:${CRICTL_VERSION}:${HOST_CRICTL}"; do
  IFS=: read -r name wanted present <<<"$tool"
  if [[ "$present" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] && older_than "$wanted" "$present"; then
    if [ "$ALLOW_TOOL_DOWNGRADE" = yes ]; then
      echo "installing ${name} ${wanted} over ${present}, a downgrade: allowed by --allow-downgrade"
    else
      echo "refusing to install ${name} ${wanted} over ${present}, which the host has: that is a downgrade" \
          "(start the upgrade with --allow-downgrade to allow it)" >&2
      exit 46
    fi
  fi
done

step check-disk-space
need_space "$WORK" "$WORK_SPACE_MB"
need_space /opt/bin "$INSTALL_SPACE_MB"
need_space /opt/cni/bin "$INSTALL_SPACE_MB"

step check-downloads
for url in "${DOWNLOADS[@]}"; do
  url_answers "$url"
  url_answers "${url}.sha256"  # where fetch_verified reads the checksum
done

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

step download-kubelet-kubectl
fetch_verified "$KUBELET_URL" "$WORK/kubelet"
fetch_verified "$KUBECTL_URL" "$WORK/kubectl"

step kubeadm-upgrade
result node
/opt/bin/kubeadm upgrade node

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

step start-kubelet
systemctl daemon-reload
systemctl start kubelet
KUBELET_STOPPED=

step wait-kubelet
wait_kubelet
step done
