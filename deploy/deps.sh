#!/usr/bin/env bash
# Installs what building and testing etlbench needs, idempotently:
# Go modules always; Debian packages (wrk, the loader's peer) when missing
# and apt is usable. Never fails the build for an optional package.
set -euo pipefail
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
"$GO" mod download

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v gcc >/dev/null 2>&1 || need+=(gcc)   # -race needs cgo
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  stamp=/var/lib/apt/periodic/etlbench-update-stamp
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 && mkdir -p "$(dirname "$stamp")" && touch "$stamp" || true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
    || echo "deps: could not install ${need[*]} (optional; tests that need them skip)" >&2
fi
