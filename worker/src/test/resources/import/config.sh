# A test fixture shaped like epoxy-images' config.sh: exported values, unquoted or quoted, and a
# ${PROJECT} the build's environment provides; values made up.
#
# NOTE: these values should be kept in sync with k8s_deploy.conf.

export SITES="https://siteinfo.${PROJECT}.measurementlab.net/v2/sites/sites.json"

# K8S component versions
export K8S_VERSION=v1.35.1
export K8S_CNI_VERSION=v1.9.1
export K8S_CRICTL_VERSION=v1.35.0
export K8S_FLANNELCNI_VERSION=v1.9.0-flannel1

# stage3 mlxupdate
export MFT_VERSION=4.22.0-96

# etcdctl version
export ETCDCTL_VERSION=v3.5.16
