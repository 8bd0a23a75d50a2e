#!/bin/bash
# fleet-upgrade: upgrade control-plane member api-platform-cluster-us-east1-c to v1.31.2
set -euo pipefail

K8S_VERSION='v1.31.2'
CNI_VERSION='v1.6.2'
CRICTL_VERSION='v1.31.1'
ALLOW_TOOL_DOWNGRADE='no'
ARCH='amd64'
MEMBER='api-platform-cluster-us-east1-c'
PROJECT='mlab-oti'
INTERNAL_IP='10.142.0.3'
EXTERNAL_IP='35.237.10.2'
CLUSTER_CIDR='192.168.0.0/16'
SERVICE_CIDR='172.25.0.0/16'
K8S_RELEASE_URL='https://dl.k8s.io/release'
CNI_RELEASE_URL='https://github.com/containernetworking/plugins/releases/download'
CRICTL_RELEASE_URL='https://github.com/kubernetes-sigs/cri-tools/releases/download'
ADMIN_CONF_DESTINATION='gs://k8s-support-mlab-oti/admin.conf'
KUBEADM_TEMPLATE='/opt/mlab/conf/kubeadm-config.yml.template'
READYZ_TIMEOUT_SECONDS='300'
ZONE='us-east1-c'
METADATA_ATTRIBUTE='cluster_data'
LOAD_BALANCER_PATH='.cluster_attributes.api_load_balancer'
WORK_SPACE_MB='1024'
INSTALL_SPACE_MB='512'
LOCK_FILE='/run/fleet-upgrade.lock'
ADMIN_CONF_HEADERS=()

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
    read -r image ready < <(/opt/bin/kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system \
        get pod "${component}-${MEMBER}" -o jsonpath='{.status.containerStatuses[0].image} {.status.containerStatuses[0].ready}' \
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

step check-current
# Done is what a finished run leaves: kubelet at the target and running, the apiserver's
# manifest at the target with our edit (then wait_settled checks the static pods). Binaries and
# manifests alone are not enough: a crash between stopping and starting kubelet leaves them.
if [ "$(/opt/bin/kubelet --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ] \
    && grep -q "kube-apiserver:${K8S_VERSION}" /etc/kubernetes/manifests/kube-apiserver.yaml \
    && grep -q -- "--advertise-address=${EXTERNAL_IP}" /etc/kubernetes/manifests/kube-apiserver.yaml \
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
sed -e "s|{{PROJECT}}|${PROJECT}|g" \
    -e "s|{{INTERNAL_IP}}|${INTERNAL_IP}|g" \
    -e "s|{{INTERNAL_DNS}}|${INTERNAL_DNS}|g" \
    -e "s|{{MACHINE_NAME}}|${MEMBER}|g" \
    -e "s|{{API_LOAD_BALANCER}}|${API_LOAD_BALANCER}|g" \
    -e "s|{{K8S_VERSION}}|${K8S_VERSION}|g" \
    -e "s|{{CLUSTER_CIDR}}|${CLUSTER_CIDR}|g" \
    -e "s|{{SERVICE_CIDR}}|${SERVICE_CIDR}|g" \
    -e "s|{{TOKEN}}|NOT_USED|g" \
    -e "s|{{CA_CERT_HASH}}|NOT_USED|g" \
    -e "s|{{CERT_KEY}}|${CERT_KEY}|g" \
    "$KUBEADM_TEMPLATE" > "$WORK/kubeadm-config.yml"
if LEFT="$(grep -o '{{[^}]*}}' "$WORK/kubeadm-config.yml" | sort -u | tr '\n' ' ')" && [ -n "$LEFT" ]; then
  echo "${KUBEADM_TEMPLATE} holds placeholders this script does not fill: ${LEFT}" >&2
  exit 45
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
CLUSTER_VERSION="$(/opt/bin/kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system \
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
  sed -i -E "s|(--listen-metrics-urls=[^ \"]*)|\\1,http://${INTERNAL_IP}:2381|" "$ETCD"
fi

step start-kubelet
systemctl daemon-reload
systemctl start kubelet
KUBELET_STOPPED=

step wait-settled
wait_settled
step done
