#!/bin/bash
# fleet-upgrade: upgrade the tooling of node vm-1.mlab-oti.measurement-lab.org to v1.31.2
set -euo pipefail

K8S_VERSION='v1.31.2'
CNI_VERSION='v1.6.2'
CRICTL_VERSION='v1.31.1'
ARCH='amd64'
NODE='vm-1.mlab-oti.measurement-lab.org'
K8S_RELEASE_URL='https://dl.k8s.io/release'
CNI_RELEASE_URL='https://github.com/containernetworking/plugins/releases/download'
CRICTL_RELEASE_URL='https://github.com/kubernetes-sigs/cri-tools/releases/download'
HEALTH_TIMEOUT_SECONDS='300'

step() { echo "==> step $1"; }
result() { echo "==> result $1"; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

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
if [ "$(/opt/bin/kubelet --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ]; then
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
    echo "refusing to install ${name} ${wanted} over ${present}, which the host has: that is a downgrade" >&2
    exit 46
  fi
done

step install-cni
fetch_verified "${CNI_RELEASE_URL}/${CNI_VERSION}/cni-plugins-linux-${ARCH}-${CNI_VERSION}.tgz" "$WORK/cni.tgz"
mkdir -p /opt/cni/bin
tar -C /opt/cni/bin -xzf "$WORK/cni.tgz"

step install-crictl
fetch_verified "${CRICTL_RELEASE_URL}/${CRICTL_VERSION}/crictl-${CRICTL_VERSION}-linux-${ARCH}.tar.gz" "$WORK/crictl.tgz"
mkdir -p /opt/bin
tar -C /opt/bin -xzf "$WORK/crictl.tgz"

step install-kubeadm
fetch_verified "${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubeadm" "$WORK/kubeadm"
install -m 0755 "$WORK/kubeadm" /opt/bin/kubeadm

step download-kubelet-kubectl
fetch_verified "${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubelet" "$WORK/kubelet"
fetch_verified "${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubectl" "$WORK/kubectl"

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
