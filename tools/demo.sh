#!/usr/bin/env bash
# The Sluice demo: installs what is missing, builds, then runs the XDP load
# balancer end to end in network namespaces (client, router, LB running lbd
# in native XDP mode, three real servers decapsulating with lbd
# --decap-iface) and shows what happened. Everything is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh" >/dev/null
export SLUICE_BUILD_DIR=${SLUICE_BUILD_DIR:-$root/build}

source "$root/netns-tests/lib/netns.sh"
source "$root/netns-tests/lib/lb_topology.sh"
nt_init demo
lbt_require

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

nt_run demo
nt_done
