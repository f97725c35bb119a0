#!/usr/bin/env bash
# docker.sh start|stop|status: this project's own dockerd (Debian's docker.io)
# with its data, exec root, socket and pid file under $WORK, and the
# runc-capfix wrapper as its default runtime. `stop` ends only the daemon
# it started (by its pid file) and restores the iptables FORWARD policy.
STEP=docker
source "$(dirname "$0")/lib.sh"
SOCK=$RUN/docker.sock
PIDFILE=$RUN/dockerd.pid

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && [ -S "$SOCK" ]; }

start() {
  if running && docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null || die "dockerd is missing: run deploy/kind/deps.sh"
  install -m 0755 "$(dirname "$0")/runc-capfix" "$BIN/runc-capfix"
  # Remember the FORWARD policy: dockerd sets it to DROP.
  [ -f "$RUN/forward-policy" ] || iptables -S FORWARD 2>/dev/null | awk '$1=="-P"{print $3; exit}' > "$RUN/forward-policy" || true
  # docker0 is ours to delete on stop when it does not exist yet.
  ip link show docker0 >/dev/null 2>&1 || echo docker0 >> "$RUN/bridges"
  local driver=overlay2
  grep -qw overlay /proc/filesystems || driver=vfs
  mkdir -p "$WORK/docker" "$RUN/docker-exec"
  log "starting dockerd (storage $driver, socket $SOCK)"
  nohup dockerd --data-root "$WORK/docker" --exec-root "$RUN/docker-exec" \
    -H "unix://$SOCK" --pidfile "$PIDFILE" --storage-driver "$driver" \
    --add-runtime "capfix=$BIN/runc-capfix" --default-runtime capfix \
    >> "$LOGS/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then log "dockerd is up (pid $(cat "$PIDFILE"))"; return 0; fi
    sleep 0.5
  done
  tail -20 "$LOGS/dockerd.log" >&2
  die "dockerd did not come up (log: $LOGS/dockerd.log)"
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid; pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      # The bridges of its networks (kind's among them) go with it.
      docker network ls -q --filter driver=bridge 2>/dev/null | while read -r id; do
        name=$(docker network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' "$id" 2>/dev/null || true)
        [ -n "$name" ] && [ "$name" != "<no value>" ] || name=br-${id:0:12}
        echo "$name"
      done >> "$RUN/bridges" || true
      log "stopping dockerd (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$PIDFILE"
  fi
  # Unmount what the daemon left under the work folder.
  { grep -o " $WORK/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  # Its iptables rules and chains (DOCKER*), then its bridges.
  local bridges=""
  [ -f "$RUN/bridges" ] && bridges=$(sort -u "$RUN/bridges" | tr '\n' ' ')
  local pat="DOCKER"
  for b in $bridges; do pat+="|-[io] $b( |\$)"; done
  for table in filter nat; do
    { iptables-save -t "$table" 2>/dev/null || true; } | grep -E "^-A " | grep -E -- "$pat" | grep -Ev "^-A DOCKER" \
      | sed 's/^-A /-D /' | while read -r rule; do eval "iptables -t $table $rule" 2>/dev/null || true; done
    for chain in $({ iptables-save -t "$table" 2>/dev/null || true; } | awk '/^:DOCKER/{print substr($1, 2)}'); do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $({ iptables-save -t "$table" 2>/dev/null || true; } | awk '/^:DOCKER/{print substr($1, 2)}'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  for b in $bridges; do
    ip link show "$b" >/dev/null 2>&1 && ip link delete "$b" 2>/dev/null && log "deleted bridge $b"
  done
  rm -f "$RUN/bridges"
  if [ -f "$RUN/forward-policy" ]; then
    local p; p=$(cat "$RUN/forward-policy")
    if [ -n "$p" ]; then iptables -P FORWARD "$p" 2>/dev/null || true; fi
    rm -f "$RUN/forward-policy"
  fi
  return 0
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "dockerd running (pid $(cat "$PIDFILE"), $DOCKER_HOST)"; else echo "dockerd not running"; exit 1; fi ;;
  *) die "usage: docker.sh start|stop|status" ;;
esac
