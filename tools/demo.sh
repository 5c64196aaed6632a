#!/usr/bin/env bash
# The Sluice demo: installs what is missing, builds, then runs in network
# namespaces and shows what happened:
#  1. the XDP load balancer end to end (client, router, LB running lbd in
#     native XDP mode, three real servers decapsulating with lbd --decap-iface);
#  2. a node running four workloads: tc programs on their veths do service
#     NAT and endpoint policy.
# Everything is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh" >/dev/null
export SLUICE_BUILD_DIR=${SLUICE_BUILD_DIR:-$root/build}

source "$root/netns-tests/lib/netns.sh"
source "$root/netns-tests/lib/lb_topology.sh"
source "$root/netns-tests/lib/node_topology.sh"
nt_init demo
lbt_require
ndt_require

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

demo() {
  say "Topology: client -> router -> LB (XDP) -> router -> 3 reals (direct return)"
  lbt_build
  lbt_start_lbd
  lbt_configure
  echo "\$ lbctl vip list"
  lbt_lbctl vip list
  echo "\$ lbctl backend list $LBT_VIP4:80/tcp"
  lbt_lbctl backend list "$LBT_VIP4:80/tcp"

  say "12 HTTP requests from the client to http://$LBT_VIP4/ (each a new connection)"
  local i
  for ((i = 1; i <= 12; i++)); do
    printf 'request %2d -> %s\n' "$i" "$(lbt_get "http://$LBT_VIP4/")"
  done
  printf 'IPv6: http://[%s]/ -> %s\n' "$LBT_VIP6" "$(lbt_get "http://[$LBT_VIP6]/")"

  say "Drain real1 (weight 0): new connections avoid it"
  lbt_lbctl backend set "$LBT_VIP4:80/tcp" "$(lbt_real4 1)" --weight 0
  for ((i = 1; i <= 6; i++)); do
    printf 'request %2d -> %s\n' "$i" "$(lbt_get "http://$LBT_VIP4/")"
  done

  say "Blacklist the client's network (XDP drops it before anything else)"
  echo "10.10.0.0/24" | lbt_lbctl blacklist push -
  if lbt_get "http://$LBT_VIP4/" >/dev/null; then echo "still served?!"; else echo "request -> timed out (dropped in XDP)"; fi
  echo "" | lbt_lbctl blacklist push -
  printf 'unblocked: request -> %s\n' "$(lbt_get "http://$LBT_VIP4/")"

  say "Datapath counters (lbctl stats)"
  lbt_lbctl stats
}

node_demo() {
  say "A node with four workloads (client, be1..be3) behind veths; lbd attaches tc programs"
  ndt_build
  ndt_start_lbd
  ndt_configure
  echo "\$ lbctl endpoint list"
  ndt_lbctl endpoint list
  echo "\$ lbctl service list"
  ndt_lbctl service list

  say "6 HTTP requests from the client to the service http://$NDT_SERVICE4/ (DNAT to a backend)"
  local i
  for ((i = 1; i <= 6; i++)); do
    printf 'request %d -> %s\n' "$i" "$(ndt_get "$NDT_CLIENT" "http://$NDT_SERVICE4/")"
  done
  printf 'UDP %s:53 -> %s\n' "$NDT_UDP_SERVICE4" \
    "$(nt_exec "$NDT_CLIENT" "$NDT_LIB/udp_ask.py" "$NDT_UDP_SERVICE4" 53 hello)"

  say "Policy on be1: admit only the client, only on tcp/8080"
  local policy
  policy=$(nt_tmpdir policy)/be1.json
  echo "{\"ingress\": [{\"action\": \"allow\", \"peer\": \"$NDT_CLIENT4/32\", \"protocol\": \"tcp\", \"ports\": \"8080\"}]}" >"$policy"
  cat "$policy"
  nt_bg "$NDT_NODE" monitor "$SLUICE_BUILD_DIR/cli/lbctl" --server "unix:$NDT_SOCK" monitor
  ndt_lbctl policy set be1 "$policy"
  if ndt_get "${NDT_BACKEND_NS[1]}" "http://$(ndt_backend4 1):8080/" >/dev/null; then
    echo "be2 -> be1: served?!"
  else
    echo "be2 -> be1: timed out (dropped by be1's ingress policy)"
  fi
  printf 'client -> service: %s\n' "$(ndt_get "$NDT_CLIENT" "http://$NDT_SERVICE4/")"
  echo "\$ lbctl monitor   (what it printed meanwhile)"
  cat "$(nt_bg_log monitor)"
  echo "\$ lbctl stats policy"
  ndt_lbctl stats policy
}

nt_run demo
nt_run node_demo
nt_done
