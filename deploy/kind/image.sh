#!/usr/bin/env bash
# make image: the etlbench:dev image from the static bin/etlbench.
# Always writes a single-layer docker-archive ($IMAGE_TAR, default
# bin/etlbench-image.tar: manifest.json, config.json, layer.tar), made
# without any daemon, that `docker load`, `ctr -n k8s.io images import` and
# `kind load image-archive` accept; and runs `docker build` with the
# Dockerfile when a Docker daemon answers.
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${ETLBENCH_IMAGE:-etlbench:dev}
BINARY=${ETLBENCH_BIN:-bin/etlbench}
OUT=${IMAGE_TAR:-bin/etlbench-image.tar}
[ -x "$BINARY" ] || { echo "image: $BINARY is missing: run make build" >&2; exit 1; }
if ! file "$BINARY" 2>/dev/null | grep -q 'statically linked' && command -v file >/dev/null; then
  echo "image: $BINARY is not statically linked (build it with CGO_ENABLED=0)" >&2; exit 1
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/root/tmp" && chmod 1777 "$ctx/root/tmp"
cp "$BINARY" "$ctx/root/etlbench"
chmod 0755 "$ctx/root/etlbench"

# The docker-archive, byte-for-byte reproducible for one binary.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$ctx/root" -cf "$ctx/layer.tar" etlbench tmp
diff_id=$(sha256sum "$ctx/layer.tar" | cut -d' ' -f1)
cat > "$ctx/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Entrypoint":["/etlbench"],"Env":["PATH=/"],"WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:${diff_id}"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"etlbench deploy/kind/image.sh"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]\n' "$IMAGE" > "$ctx/manifest.json"
mkdir -p "$(dirname "$OUT")"
tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$ctx" -cf "$OUT.tmp" manifest.json config.json layer.tar
mv "$OUT.tmp" "$OUT"
echo "image: wrote $OUT ($IMAGE, layer sha256:${diff_id:0:12}, $(du -h "$OUT" | cut -f1))" >&2

# docker build, with our own daemon's socket when it runs (deploy/kind/docker.sh).
own_sock=${ETLBENCH_KUBE_WORK:-$HOME/.cache/etlbench/kube}/run/docker.sock
if [ -z "${DOCKER_HOST:-}" ] && [ -S "$own_sock" ]; then export DOCKER_HOST=unix://$own_sock; fi
if command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; then
  mkdir -p "$ctx/build" && cp Dockerfile "$ctx/build/" && cp -a "$ctx/root/." "$ctx/build/"
  docker build -q -t "$IMAGE" "$ctx/build" >/dev/null
  echo "image: docker build -t $IMAGE done" >&2
else
  echo "image: no Docker daemon answers; load $OUT with 'docker load -i', 'ctr -n k8s.io images import' or 'kind load image-archive'" >&2
fi
