# Shared settings of the deploy/kind scripts (sourced, not run).
# Everything lives under one work folder, kept across clones so that a second
# bring-up reuses the Go caches and the built images.
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.36.3}        # newest Kubernetes the Go module proxy serves whole
KUBE_STAGING_VERSION=${KUBE_STAGING_VERSION:-v0.36.3}
ETCD_VERSION=${ETCD_VERSION:-v3.6.8}          # what kubeadm 1.36 expects
COREDNS_VERSION=${COREDNS_VERSION:-v1.14.2}
PAUSE_VERSION=${PAUSE_VERSION:-3.10.2}
KIND_VERSION=${KIND_VERSION:-v0.33.0}
CLUSTER_NAME=${CLUSTER_NAME:-etlbench}
NODE_IMAGE=${NODE_IMAGE:-etlbench/kind-node:${KUBE_VERSION}}
STD_NODE_IMAGE=${STD_NODE_IMAGE:-kindest/node:${KUBE_VERSION}}
ETLBENCH_IMAGE=${ETLBENCH_IMAGE:-etlbench:dev}

WORK=${ETLBENCH_KUBE_WORK:-${HOME}/.cache/etlbench/kube}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export GOCACHE=${GOCACHE:-$("$GO" env GOCACHE)}
export GOMODCACHE=${GOMODCACHE:-$("$GO" env GOMODCACHE)}
export GOFLAGS=-buildvcs=false
BIN="$WORK/bin"            # built binaries (kube*, etcd, coredns, kind)
IMAGES="$WORK/images"      # docker-archive tars of the control-plane images
RUN="$WORK/run"            # daemons' state, sockets, pid files
LOGS="$WORK/logs"
STAMPS="$WORK/stamps"      # one file per finished step
mkdir -p "$BIN" "$IMAGES" "$RUN" "$LOGS" "$STAMPS"
export PATH="$BIN:$(dirname "$GO"):$PATH"

log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${STEP:-kind}" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# done_step NAME / step_done NAME: stamps that make every step idempotent.
step_done() { [ -f "$STAMPS/$1" ]; }
mark_done() { date +%s > "$STAMPS/$1"; }

# Docker is the host daemon this project starts itself (see docker.sh).
export DOCKER_HOST=${DOCKER_HOST:-unix://$RUN/docker.sock}

# archive_dir DIR NAME OUT ENTRYPOINT_JSON [ENV_JSON]: a single-layer
# docker-archive (manifest.json, config.json, layer.tar) of DIR tagged NAME,
# made without a daemon; `ctr images import` and `docker load` accept it.
archive_dir() {
  local dir=$1 name=$2 out=$3 ep=$4 env=${5:-'["PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"]'} tmp diff
  tmp=$(mktemp -d "$WORK/archive.XXXXXX")
  tar --sort=name --numeric-owner --mtime=@0 -C "$dir" -cf "$tmp/layer.tar" .
  diff=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Entrypoint":%s,"Env":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}\n' \
    "$ep" "$env" "$diff" > "$tmp/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]\n' "$name" > "$tmp/manifest.json"
  tar -C "$tmp" -cf "$out.tmp" manifest.json config.json layer.tar
  mv "$out.tmp" "$out"
  rm -rf "$tmp"
}
