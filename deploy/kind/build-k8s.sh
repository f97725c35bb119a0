#!/usr/bin/env bash
# Builds the Kubernetes binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy, kubeadm, kubectl), etcd and CoreDNS from
# the Go module proxy into $WORK/bin. k8s.io/kubernetes cannot be built with
# `go install` (its go.mod points the k8s.io/* staging modules at local
# folders), so a throwaway module requires it and replaces each staging module
# with its published version. Idempotent: stamps skip what is built.
STEP=build-k8s
source "$(dirname "$0")/lib.sh"

build_kubernetes() {
  step_done "k8s-$KUBE_VERSION" && [ -x "$BIN/kubeadm" ] && return 0
  local mod="$WORK/src/k8s-$KUBE_VERSION"
  mkdir -p "$mod"
  "$GO" mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >/dev/null
  local kmod="$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/$KUBE_VERSION.mod"
  {
    echo "module etlbench.local/kbuild"
    echo
    echo "go $(awk '$1=="go"{print $2; exit}' "$kmod")"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    sed -n '/^replace (/,/^)/p' "$kmod" | awk -v v="$KUBE_STAGING_VERSION" '$2=="=>" {print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$mod/go.mod"
  cat > "$mod/tools.go" <<'GO'
//go:build tools

package kbuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-proxy/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubeadm/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
	_ "k8s.io/kubectl/pkg/cmd"
)
GO
  log "resolving k8s.io/kubernetes $KUBE_VERSION modules"
  (cd "$mod" && "$GO" mod tidy)
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  log "building 7 Kubernetes binaries (long: ~10 min cold on 2 cores)"
  local t0=$SECONDS
  (cd "$mod" && CGO_ENABLED=0 nice -n 19 "$GO" build -trimpath -ldflags "$ld" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubectl)
  log "kubernetes built in $((SECONDS - t0)) s"
  "$BIN/kubeadm" version -o short
  mark_done "k8s-$KUBE_VERSION"
}

build_etcd() {
  step_done "etcd-$ETCD_VERSION" && [ -x "$BIN/etcd" ] && return 0
  local mod="$WORK/src/etcd-$ETCD_VERSION"
  mkdir -p "$mod"
  printf 'module etlbench.local/etcdbuild\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > "$mod/go.mod"
  printf '//go:build tools\n\npackage etcdbuild\n\nimport _ "go.etcd.io/etcd/server/v3/etcdmain"\n' > "$mod/tools.go"
  (cd "$mod" && "$GO" mod tidy)
  local t0=$SECONDS
  (cd "$mod" && CGO_ENABLED=0 nice -n 19 "$GO" build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
  log "etcd built in $((SECONDS - t0)) s"
  mark_done "etcd-$ETCD_VERSION"
}

build_coredns() {
  step_done "coredns-$COREDNS_VERSION" && [ -x "$BIN/coredns" ] && return 0
  local t0=$SECONDS
  CGO_ENABLED=0 GOBIN="$BIN" nice -n 19 "$GO" install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  log "coredns built in $((SECONDS - t0)) s"
  mark_done "coredns-$COREDNS_VERSION"
}

build_kind() {
  [ -x "$BIN/kind" ] && "$BIN/kind" version 2>/dev/null | grep -q "${KIND_VERSION}" && return 0
  CGO_ENABLED=0 GOBIN="$BIN" nice -n 19 "$GO" install "sigs.k8s.io/kind@$KIND_VERSION"
}

build_kind
[ "${1:-}" = --kind-only ] && exit 0
build_kubernetes
build_etcd
build_coredns
log "all binaries in $BIN"
