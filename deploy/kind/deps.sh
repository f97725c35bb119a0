#!/usr/bin/env bash
# Installs what a local kind cluster needs from Debian's packages, once:
# docker.io (dockerd), containerd, runc, the CNI plugins, debootstrap (node
# image rootfs), iptables, jq, file. Idempotent; needs root and apt.
STEP=deps
source "$(dirname "$0")/lib.sh"
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v containerd >/dev/null || need+=(containerd)
[ -x /usr/sbin/runc ] || command -v runc >/dev/null || need+=(runc)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v iptables >/dev/null || need+=(iptables)
command -v jq >/dev/null || need+=(jq)
command -v file >/dev/null || need+=(file)
command -v ip >/dev/null || need+=(iproute2)
[ ${#need[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || die "need root to apt-get install ${need[*]}"
command -v apt-get >/dev/null || die "no apt-get: install ${need[*]} by hand"
log "apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# Daemons must not be started by the packages (no systemd here; we run our own).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
log "installed ${need[*]}"
