#!/usr/bin/env bash
# make kind-up: a kind cluster (control plane + 3 workers, kind-config.yaml)
# on this machine, with etlbench:dev loaded into every node. Uses the
# standard kindest/node image when it can be had, else builds the node
# image and every control-plane image offline (build-k8s.sh, node-image.sh).
# Idempotent: an existing cluster is reused (stopped nodes are started).
# Writes $WORK/kubeconfig and $WORK/cluster.env (KUBECONFIG=...).
STEP=kind-up
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
t0=$SECONDS
KCFG=$WORK/kubeconfig
ARCHIVE=${IMAGE_TAR:-$ROOT/bin/etlbench-image.tar}

bash "$HERE/deps.sh"
bash "$HERE/docker.sh" start
bash "$HERE/build-k8s.sh" --kind-only

offline=1
image=$NODE_IMAGE
if [ -z "${OFFLINE_ONLY:-}" ]; then
  if docker image inspect "$STD_NODE_IMAGE" >/dev/null 2>&1 || timeout 60 docker pull -q "$STD_NODE_IMAGE" >/dev/null 2>&1; then
    offline=0 image=$STD_NODE_IMAGE
    log "using the standard node image $STD_NODE_IMAGE"
  else
    log "$STD_NODE_IMAGE cannot be had here: building the node image offline"
  fi
fi
if [ "$offline" = 1 ]; then
  bash "$HERE/build-k8s.sh"
  bash "$HERE/node-image.sh"
fi

cfg=$WORK/kind-config.yaml
if [ "$offline" = 1 ]; then
  cp "$ROOT/kind-config.yaml" "$cfg"
else
  sed '/offline-node-image:begin/,/offline-node-image:end/d' "$ROOT/kind-config.yaml" > "$cfg"
fi

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  log "cluster $CLUSTER_NAME exists"
  stopped=$(docker ps -a --filter "label=io.x-k8s.kind.cluster=$CLUSTER_NAME" --filter status=exited -q)
  [ -n "$stopped" ] && docker start $stopped >/dev/null
  kind get kubeconfig --name "$CLUSTER_NAME" > "$KCFG"
else
  log "kind create cluster $CLUSTER_NAME ($image)"
  t1=$SECONDS
  kind create cluster --name "$CLUSTER_NAME" --image "$image" --config "$cfg" --kubeconfig "$KCFG" --wait 0s ${KIND_RETAIN:+--retain} \
    2>&1 | tee -a "$LOGS/kind-create.log" >&2
  [ "${PIPESTATUS[0]}" = 0 ] || die "kind create cluster failed (log: $LOGS/kind-create.log)"
  log "kind create took $((SECONDS - t1)) s"
fi
chmod 600 "$KCFG"
if [ "$offline" = 1 ]; then
  # kube-controller-manager gives each node its pod CIDR shortly after it joins.
  for _ in $(seq 1 120); do
    n=$(kubectl --kubeconfig "$KCFG" get nodes -o jsonpath='{range .items[*]}{.spec.podCIDR}{"\n"}{end}' 2>/dev/null | grep -c . || true)
    [ "$n" -ge 4 ] && break
    sleep 1
  done
  bash "$HERE/net.sh" up
fi

[ -f "$ARCHIVE" ] || die "$ARCHIVE is missing: run make image"
log "loading $ETLBENCH_IMAGE into the nodes"
kind load image-archive "$ARCHIVE" --name "$CLUSTER_NAME" >&2
kubectl --kubeconfig "$KCFG" wait --for=condition=Ready node --all --timeout=300s >&2
echo "KUBECONFIG=$KCFG" > "$WORK/cluster.env"
took=$((SECONDS - t0))
echo "$(date -u +%FT%TZ) kind-up $took s (node image: $image)" >> "$LOGS/timings.log"
log "cluster $CLUSTER_NAME is up in $took s: export KUBECONFIG=$KCFG DOCKER_HOST=$DOCKER_HOST"
kubectl --kubeconfig "$KCFG" get nodes -o wide >&2
