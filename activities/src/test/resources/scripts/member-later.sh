#!/bin/bash
# fleet-upgrade: upgrade control-plane member api-platform-cluster-us-east1-c to v1.31.2
set -euo pipefail

K8S_VERSION='v1.31.2'
CNI_VERSION='v1.6.2'
CRICTL_VERSION='v1.31.1'
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
ADMIN_CONF_COPY='gsutil cp'
ADMIN_CONF_DESTINATION='gs://k8s-support-mlab-oti/admin.conf'
KUBEADM_TEMPLATE='/etc/kubernetes/kubeadm-config.yml.template'
READYZ_TIMEOUT_SECONDS='300'

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

wait_readyz() {
  local deadline=$((SECONDS + READYZ_TIMEOUT_SECONDS))
  until curl -fsk --max-time 5 https://localhost:6443/readyz >/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "the local apiserver is not ready after ${READYZ_TIMEOUT_SECONDS}s" >&2
      exit 44
    fi
    sleep 5
  done
}

step check-current
if [ "$(/opt/bin/kubelet --version 2>/dev/null | awk '{print $2}')" = "$K8S_VERSION" ] \
    && grep -q "kube-apiserver:${K8S_VERSION}" /etc/kubernetes/manifests/kube-apiserver.yaml; then
  result already-at-target
  wait_readyz
  exit 0
fi

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

step render-kubeadm-config
METADATA=http://metadata.google.internal/computeMetadata/v1
API_LOAD_BALANCER="$(curl -fsS -H 'Metadata-Flavor: Google' "${METADATA}/instance/attributes/lb_dns")"
INTERNAL_DNS="$(curl -fsS -H 'Metadata-Flavor: Google' "${METADATA}/instance/hostname")"
for name in "$API_LOAD_BALANCER" "$INTERNAL_DNS"; do
  if ! [[ "$name" =~ ^[A-Za-z0-9.-]+$ ]]; then
    echo "instance metadata holds '${name}', which is not a DNS name" >&2
    exit 43
  fi
done
TOKEN="$(/opt/bin/kubeadm token generate)"
CA_HASH="sha256:$(openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt \
    | openssl pkey -pubin -outform der | sha256sum | awk '{print $1}')"
CERT_KEY="$(/opt/bin/kubeadm certs certificate-key)"
sed -e "s|{{PROJECT}}|${PROJECT}|g" \
    -e "s|{{INTERNAL_IP}}|${INTERNAL_IP}|g" \
    -e "s|{{INTERNAL_DNS}}|${INTERNAL_DNS}|g" \
    -e "s|{{MACHINE_NAME}}|${MEMBER}|g" \
    -e "s|{{LOAD_BALANCER}}|${API_LOAD_BALANCER}|g" \
    -e "s|{{K8S_VERSION}}|${K8S_VERSION}|g" \
    -e "s|{{CLUSTER_CIDR}}|${CLUSTER_CIDR}|g" \
    -e "s|{{SERVICE_CIDR}}|${SERVICE_CIDR}|g" \
    -e "s|{{TOKEN}}|${TOKEN}|g" \
    -e "s|{{CA_CERT_HASH}}|${CA_HASH}|g" \
    -e "s|{{CERT_KEY}}|${CERT_KEY}|g" \
    "$KUBEADM_TEMPLATE" > "$WORK/kubeadm-config.yml"
install -m 0600 "$WORK/kubeadm-config.yml" /etc/kubernetes/kubeadm-config.yml

step kubeadm-upgrade
# "First" is decided by the cluster, not by zone order: until kubeadm-config reports the
# target, this member applies; a retry after the first member succeeded upgrades as a node.
CLUSTER_VERSION="$(/opt/bin/kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system \
    get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' | awk '/kubernetesVersion:/ {print $2}')"
if [ "$CLUSTER_VERSION" != "$K8S_VERSION" ]; then
  result apply
  /opt/bin/kubeadm upgrade apply "$K8S_VERSION" --force --certificate-renewal=true
  step copy-admin-conf
  # ADMIN_CONF_COPY is validated to plain words: it is split into them on purpose.
  $ADMIN_CONF_COPY /etc/kubernetes/admin.conf "$ADMIN_CONF_DESTINATION"
else
  result node
  /opt/bin/kubeadm upgrade node
fi

step stop-kubelet
systemctl stop kubelet

step install-kubelet-kubectl
fetch_verified "${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubelet" "$WORK/kubelet"
fetch_verified "${K8S_RELEASE_URL}/${K8S_VERSION}/bin/linux/${ARCH}/kubectl" "$WORK/kubectl"
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

step wait-readyz
wait_readyz
step done
