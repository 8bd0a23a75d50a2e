#!/bin/bash
# fleet-upgrade: admin.conf of control-plane member api-platform-cluster-us-east1-b at v1.31.2, if it ran apply
set -euo pipefail

K8S_VERSION='v1.31.2'
MEMBER='api-platform-cluster-us-east1-b'
ADMIN_CONF_DESTINATION='gs://k8s-support-mlab-oti/admin.conf'
LOCK_FILE='/run/fleet-upgrade.lock'
ADMIN_CONF_HEADERS=('Cache-Control:no-store')

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

step check-applied
if applied_here; then
  result applied-here
  copy_admin_conf
else
  result not-applied-here
  echo "${MEMBER} did not run kubeadm upgrade apply ${K8S_VERSION}: its admin.conf is not the one to keep; nothing done"
fi
step done
