#!/usr/bin/env bash
# Builds a kind node image offline (no container registry): a Debian
# bookworm rootfs from debootstrap (systemd, containerd, runc, CNI plugins,
# iptables, jq ...), kind's base files, kubeadm/kubelet/kubectl built from
# source (build-k8s.sh), and every control-plane image (kube-apiserver,
# controller-manager, scheduler, kube-proxy, etcd, CoreDNS, pause) made as
# docker-archives and preloaded into the rootfs's containerd. Then
# `docker import` + a one-line `docker build` for kind's ENTRYPOINT.
# Idempotent: each step has a stamp; an existing $NODE_IMAGE is kept.
STEP=node-image
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
KIND_SRC=$GOMODCACHE/sigs.k8s.io/kind@$KIND_VERSION
ROOTFS=$WORK/node-rootfs
PKGS=systemd,systemd-sysv,dbus,containerd,runc,containernetworking-plugins,iptables,nftables,conntrack,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,bash,ca-certificates,curl,jq,procps,socat,e2fsprogs,ebtables

if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 && [ -z "${REBUILD:-}" ]; then
  log "$NODE_IMAGE exists"; exit 0
fi
[ -d "$KIND_SRC/images/base/files" ] || "$GO" mod download "sigs.k8s.io/kind@$KIND_VERSION"

# 1. The Debian rootfs (the slow download: once).
if ! step_done rootfs-bookworm; then
  log "debootstrap bookworm (minbase + $PKGS)"
  rm -rf "$ROOTFS.tmp"
  t0=$SECONDS
  nice -n 10 debootstrap --variant=minbase --include="$PKGS" bookworm "$ROOTFS.tmp" http://deb.debian.org/debian >> "$LOGS/debootstrap.log" 2>&1 \
    || { tail -20 "$LOGS/debootstrap.log" >&2; die "debootstrap failed (log: $LOGS/debootstrap.log)"; }
  chroot "$ROOTFS.tmp" apt-get clean
  rm -rf "$ROOTFS.tmp"/var/lib/apt/lists/* "$ROOTFS"
  mv "$ROOTFS.tmp" "$ROOTFS"
  log "rootfs in $((SECONDS - t0)) s"
  mark_done rootfs-bookworm
fi

for b in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd coredns; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run deploy/kind/build-k8s.sh"
done

# 2. The control-plane images kubeadm expects, as docker-archives.
mapfile -t WANT < <("$BIN/kubeadm" config images list --kubernetes-version "$KUBE_VERSION" 2>/dev/null)
[ ${#WANT[@]} -ge 6 ] || die "kubeadm config images list gave: ${WANT[*]}"
PAUSE_IMAGE=$(printf '%s\n' "${WANT[@]}" | grep '/pause:')
if ! step_done "images-$KUBE_VERSION"; then
  # pause: a static binary that waits for a signal.
  mkdir -p "$WORK/src/pause"
  cat > "$WORK/src/pause/main.go" <<'GO'
// Command pause holds a pod's namespaces until it is told to stop.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		r := make(chan os.Signal, 16)
		signal.Notify(r, syscall.SIGCHLD)
		for range r {
			for {
				if pid, _ := syscall.Wait4(-1, nil, syscall.WNOHANG, nil); pid <= 0 {
					break
				}
			}
		}
	}()
	<-c
}
GO
  printf 'module pause\n\ngo 1.22\n' > "$WORK/src/pause/go.mod"
  (cd "$WORK/src/pause" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags "-s -w" -o "$BIN/pause" .)
  for img in "${WANT[@]}"; do
    base=${img##*/}; base=${base%%:*}
    d=$(mktemp -d "$WORK/img.XXXXXX")
    case "$base" in
      kube-apiserver|kube-controller-manager|kube-scheduler|etcd)
        mkdir -p "$d/usr/local/bin" "$d/tmp" && chmod 1777 "$d/tmp"
        cp "$BIN/$base" "$d/usr/local/bin/"
        [ "$base" = etcd ] && mkdir -p "$d/var/lib/etcd"
        archive_dir "$d" "$img" "$IMAGES/$base.tar" "[\"/usr/local/bin/$base\"]" ;;
      kube-proxy)
        # kube-proxy needs iptables: the node's own Debian rootfs is its base.
        rm -rf "$d" && cp -a "$ROOTFS" "$d" && rm -rf "$d/var/lib/containerd"
        cp "$BIN/kube-proxy" "$d/usr/local/bin/"
        archive_dir "$d" "$img" "$IMAGES/$base.tar" '["/usr/local/bin/kube-proxy"]' ;;
      coredns)
        mkdir -p "$d/tmp" && chmod 1777 "$d/tmp" && cp "$BIN/coredns" "$d/coredns"
        archive_dir "$d" "$img" "$IMAGES/$base.tar" '["/coredns"]' ;;
      pause)
        cp "$BIN/pause" "$d/pause"
        archive_dir "$d" "$img" "$IMAGES/$base.tar" '["/pause"]' ;;
      *) die "no recipe for image $img" ;;
    esac
    rm -rf "$d"
    log "image $img -> $IMAGES/$base.tar"
  done
  mark_done "images-$KUBE_VERSION"
fi

# 3. The node rootfs: kind's base files and our containerd setup.
log "configuring the rootfs"
F=$KIND_SRC/images/base/files
install -m 0755 "$F"/usr/local/bin/* "$ROOTFS/usr/local/bin/"
mkdir -p "$ROOTFS/kind/bin" "$ROOTFS/kind/manifests" "$ROOTFS/etc/kubernetes/manifests" "$ROOTFS/opt/cni/bin" "$ROOTFS/etc/cni/net.d"
install -m 0644 "$F"/kind/README.txt "$ROOTFS/kind/"
install -m 0755 "$F"/kind/bin/* "$ROOTFS/kind/bin/"
install -m 0644 "$F"/etc/crictl.yaml "$ROOTFS/etc/"
install -m 0644 "$F"/etc/default/kubelet "$ROOTFS/etc/default/"
install -m 0644 "$F"/etc/sysctl.d/* "$ROOTFS/etc/sysctl.d/"
mkdir -p "$ROOTFS/etc/systemd/system/kubelet.service.d"
for f in "$F"/etc/systemd/system/*; do [ -f "$f" ] && install -m 0644 "$f" "$ROOTFS/etc/systemd/system/"; done
install -m 0644 "$F"/etc/systemd/system/kubelet.service.d/* "$ROOTFS/etc/systemd/system/kubelet.service.d/"
# containerd 1.6 from Debian: no OOMScoreAdjust/Limit* (the bounding set lacks CAP_SYS_RESOURCE).
sed -i '/^OOMScoreAdjust=/d; /^Limit[A-Z]*=/d' "$ROOTFS/etc/systemd/system/containerd.service"
rm -f "$ROOTFS/etc/systemd/system/containerd-fuse-overlayfs.service"
for b in containerd ctr containerd-shim-runc-v2; do ln -sf "/usr/bin/$b" "$ROOTFS/usr/local/bin/$b"; done
for p in "$ROOTFS"/usr/lib/cni/*; do ln -sf "/usr/lib/cni/$(basename "$p")" "$ROOTFS/opt/cni/bin/$(basename "$p")"; done
install -m 0755 "$HERE/runc-capfix" "$ROOTFS/usr/local/sbin/runc-capfix"
ctr oci spec | jq '.hooks.createContainer[.hooks.createContainer|length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
  | jq 'del(.process.rlimits)' > "$ROOTFS/etc/containerd/cri-base.json"
cat > "$ROOTFS/etc/containerd/config.toml" <<TOML
# etlbench kind node: Debian's containerd 1.6 (config v2).
version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  tolerate_missing_hugepages_controller = true
  # the bounding set lacks CAP_SYS_RESOURCE: runc cannot raise oom_score_adj
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      base_runtime_spec = "/etc/containerd/cri-base.json"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/local/sbin/runc-capfix"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "/etc/cni/net.d"
TOML
install -m 0755 "$BIN/kubeadm" "$BIN/kubelet" "$BIN/kubectl" "$ROOTFS/usr/bin/"
echo "$KUBE_VERSION" > "$ROOTFS/kind/version"
cat > "$ROOTFS/kind/manifests/default-storage.yaml" <<'YAML'
# No dynamic provisioner in the offline node image: a class for local volumes.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
YAML
grep -q '^ReadKMsg=no' "$ROOTFS/etc/systemd/journald.conf" || echo "ReadKMsg=no" >> "$ROOTFS/etc/systemd/journald.conf"
find "$ROOTFS/lib/systemd/system/sysinit.target.wants/" -name "systemd-tmpfiles-setup.service" -delete
rm -f "$ROOTFS"/lib/systemd/system/multi-user.target.wants/* "$ROOTFS"/etc/systemd/system/*.wants/* \
  "$ROOTFS"/lib/systemd/system/local-fs.target.wants/* "$ROOTFS"/lib/systemd/system/sockets.target.wants/*udev* \
  "$ROOTFS"/lib/systemd/system/sockets.target.wants/*initctl* "$ROOTFS"/lib/systemd/system/basic.target.wants/*
chroot "$ROOTFS" systemctl enable kubelet.service containerd.service undo-mount-hacks.service >/dev/null 2>&1
chroot "$ROOTFS" systemctl mask systemd-binfmt.service >/dev/null 2>&1 || true
[ -e "$ROOTFS/sbin/init" ] || ln -s /usr/lib/systemd/systemd "$ROOTFS/sbin/init"

# 4. Preload the control-plane images into the rootfs's containerd (a throwaway daemon).
if ! step_done "preload-$KUBE_VERSION"; then
  log "preloading ${#WANT[@]} images into the rootfs containerd"
  rm -rf "$ROOTFS/var/lib/containerd"
  mkdir -p "$ROOTFS/var/lib/containerd" "$RUN/ctd-preload"
  printf 'version = 2\nroot = "%s"\nstate = "%s"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s"\n' \
    "$ROOTFS/var/lib/containerd" "$RUN/ctd-preload/state" "$RUN/ctd-preload/sock" > "$RUN/ctd-preload/config.toml"
  containerd --config "$RUN/ctd-preload/config.toml" >> "$LOGS/containerd-preload.log" 2>&1 &
  ctd=$!
  echo "$ctd" > "$RUN/ctd-preload/pid"
  trap 'kill $ctd 2>/dev/null; wait $ctd 2>/dev/null; rm -f "$RUN/ctd-preload/pid"' EXIT
  for _ in $(seq 1 60); do [ -S "$RUN/ctd-preload/sock" ] && break; sleep 0.5; done
  for t in "$IMAGES"/*.tar; do
    ctr -a "$RUN/ctd-preload/sock" -n k8s.io images import --no-unpack "$t" >/dev/null
  done
  ctr -a "$RUN/ctd-preload/sock" -n k8s.io images ls -q >&2
  kill "$ctd"; wait "$ctd" 2>/dev/null || true
  rm -f "$RUN/ctd-preload/pid"
  trap - EXIT
  mark_done "preload-$KUBE_VERSION"
fi

# 5. The image.
log "docker import of the rootfs"
t0=$SECONDS
tar --numeric-owner -C "$ROOTFS" -c . | docker import - "$NODE_IMAGE-rootfs" >/dev/null
bd=$(mktemp -d "$WORK/nodebuild.XXXXXX")
cat > "$bd/Dockerfile" <<DOCKERFILE
FROM $NODE_IMAGE-rootfs
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
DOCKERFILE
docker build -q -t "$NODE_IMAGE" "$bd" >/dev/null
rm -rf "$bd"
log "$NODE_IMAGE built ($((SECONDS - t0)) s for import + build)"
