#!/usr/bin/env bash
# make kind-down: deletes the kind cluster, the host routes net.sh added and
# stops the dockerd that docker.sh started (by its pid), nothing else.
# Built binaries, images and caches under $WORK stay for a fast next kind-up
# (`rm -rf $WORK` frees them; KEEP_DOCKER=1 keeps the daemon running).
STEP=kind-down
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
if bash "$HERE/docker.sh" status >/dev/null 2>&1 && command -v kind >/dev/null; then
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    log "deleting cluster $CLUSTER_NAME"
    kind delete cluster --name "$CLUSTER_NAME" >&2
  fi
fi
bash "$HERE/net.sh" down
[ -n "${KEEP_DOCKER:-}" ] || bash "$HERE/docker.sh" stop
rm -f "$WORK/kubeconfig" "$WORK/cluster.env"
log "down"
