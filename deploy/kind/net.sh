#!/usr/bin/env bash
# net.sh up|down: the pod network of the offline kind cluster. Each node
# gets a bridge CNI config for its own pod CIDR (spec.podCIDR), and a route
# to every other node's pod CIDR through that node; the host gets the same
# routes (so a client on the host can follow an hpull redirect to a
# transformer pod). Only the cluster's own docker network is addressed.
# `down` removes the host routes it added.
STEP=net
source "$(dirname "$0")/lib.sh"
KCFG=$WORK/kubeconfig
ROUTES=$RUN/host-routes

down() {
  [ -f "$ROUTES" ] || return 0
  while read -r cidr via; do ip route del "$cidr" via "$via" 2>/dev/null || true; done < "$ROUTES"
  rm -f "$ROUTES"
}

up() {
  local nodes
  mapfile -t nodes < <(kubectl --kubeconfig "$KCFG" get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}')
  [ ${#nodes[@]} -gt 0 ] || die "no nodes"
  down
  local line name cidr ip other oname ocidr oip
  for line in "${nodes[@]}"; do
    read -r name cidr ip <<<"$line"
    [ -n "$cidr" ] && [ -n "$ip" ] || die "node $name has no pod CIDR or address yet"
    docker exec -i "$name" sh -c 'mkdir -p /etc/cni/net.d && cat > /etc/cni/net.d/10-etlbench-bridge.conflist' <<JSON
{"cniVersion":"0.4.0","name":"etlbench","plugins":[
 {"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"hairpinMode":true,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"$cidr"}]],"routes":[{"dst":"0.0.0.0/0"}]}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}
JSON
    for other in "${nodes[@]}"; do
      read -r oname ocidr oip <<<"$other"
      [ "$oname" = "$name" ] && continue
      docker exec "$name" ip route replace "$ocidr" via "$oip"
    done
    ip route replace "$cidr" via "$ip" && echo "$cidr $ip" >> "$ROUTES"
    log "node $name: pod CIDR $cidr via $ip"
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: net.sh up|down" ;;
esac
