# shellcheck shell=bash
# lb_topology.sh - the XDP load balancer's end-to-end topology, shared by the
# netns tests and tools/demo.sh. Source after lib/netns.sh and nt_init.
#
#   client ──┐                 ┌── real1 (lbd --decap-iface, VIP on lo, HTTP)
#            router ── lb ─────┤── real2
#   (10.10.0.2)  │   (lbd --iface l0, native XDP)
#                └─────────────┴── real3
#
# Client -> VIP goes router -> lb; lb encapsulates to a real and sends it back
# to the router with XDP_TX; the real decapsulates and answers the client
# directly through the router (direct server return).
#
# Needs SLUICE_BUILD_DIR (lbd, lbctl, xdp_pass.bpf.o).

LBT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LBT_VIP4=10.100.0.10
LBT_VIP6=fd64::10
LBT_CLIENT4=10.10.0.2
LBT_CLIENT6=fd10::2
LBT_REALS=3
LBT_MTU=1600   # links carrying encapsulated packets need room for the outer header
# The reals' links carry jumbo frames (the LB's own link cannot: native XDP on
# a veth without multi-buffer support refuses an MTU above ~3.5 KB).
LBT_REAL_MTU=9000

lbt_real4() { echo "10.30.$1.2"; }
lbt_real6() { echo "fd30:$1::2"; }

# lbt_lbctl ARGS... - lbctl against the LB's lbd.
lbt_lbctl() { "$SLUICE_BUILD_DIR/cli/lbctl" --server "unix:$LBT_SOCK" "$@"; }

lbt_require() {
  nt_require_root
  nt_require_cmd ip curl python3 ethtool tc bpftool
  local f
  for f in lbd/lbd cli/lbctl datapath/xdp/xdp_pass.bpf.o; do
    [[ -e $SLUICE_BUILD_DIR/$f ]] || nt_fail "missing $SLUICE_BUILD_DIR/$f: build first (tools/build.sh)"
  done
}

# lbt_build - create the namespaces, links, addresses and routes; start an
# HTTP server on each real that answers with its name.
lbt_build() {
  LBT_CLIENT=$(nt_ns client)
  LBT_ROUTER=$(nt_ns router --forward)
  LBT_LB=$(nt_ns lb)
  nt_veth "$LBT_CLIENT" c0 "$LBT_ROUTER" rc
  nt_veth "$LBT_ROUTER" rl "$LBT_LB" l0 "$LBT_MTU"
  nt_addr "$LBT_CLIENT" c0 "$LBT_CLIENT4/24"
  nt_addr "$LBT_CLIENT" c0 "$LBT_CLIENT6/64"
  nt_addr "$LBT_ROUTER" rc 10.10.0.1/24
  nt_addr "$LBT_ROUTER" rc fd10::1/64
  nt_addr "$LBT_ROUTER" rl 10.20.0.1/24
  nt_addr "$LBT_ROUTER" rl fd20::1/64
  nt_addr "$LBT_LB" l0 10.20.0.2/24
  nt_addr "$LBT_LB" l0 fd20::2/64
  nt_route "$LBT_CLIENT" default via 10.10.0.1
  nt_route "$LBT_CLIENT" ::/0 via fd10::1
  nt_route "$LBT_LB" default via 10.20.0.1
  nt_route "$LBT_LB" ::/0 via fd20::1
  nt_route "$LBT_ROUTER" "$LBT_VIP4/32" via 10.20.0.2
  nt_route "$LBT_ROUTER" "$LBT_VIP6/128" via fd20::2
  # Real NICs deliver full checksums; veth hands over partial ones unless
  # the sender computes them (DESIGN.md 5).
  nt_tx_off "$LBT_CLIENT" c0
  # Outer sources come from the LB's encapsulation prefix, which the router
  # has no route for: no reverse-path filtering on the way.
  nt_sysctl "$LBT_ROUTER" net.ipv4.conf.all.rp_filter 0
  nt_sysctl "$LBT_ROUTER" net.ipv4.conf.rl.rp_filter 0
  # A veth delivers XDP_TX frames only if its peer runs an XDP program too.
  nt_exec "$LBT_ROUTER" ip link set dev rl xdpdrv obj \
    "$SLUICE_BUILD_DIR/datapath/xdp/xdp_pass.bpf.o" sec xdp

  local i ns
  LBT_REAL_NS=() LBT_REAL_PINS=()
  for ((i = 1; i <= LBT_REALS; i++)); do
    ns=$(nt_ns "real$i")
    LBT_REAL_NS+=("$ns")
    nt_veth "$LBT_ROUTER" "r$i" "$ns" eth0 "$LBT_REAL_MTU"
    lbt_real_nic_offloads "$ns" "r$i"
    nt_addr "$LBT_ROUTER" "r$i" "10.30.$i.1/24"
    nt_addr "$LBT_ROUTER" "r$i" "fd30:$i::1/64"
    nt_addr "$ns" eth0 "$(lbt_real4 "$i")/24"
    nt_addr "$ns" eth0 "$(lbt_real6 "$i")/64"
    nt_addr "$ns" lo "$LBT_VIP4/32"
    nt_addr "$ns" lo "$LBT_VIP6/128"
    nt_route "$ns" default via "10.30.$i.1"
    nt_route "$ns" ::/0 via "fd30:$i::1"
    nt_sysctl "$ns" net.ipv4.conf.all.rp_filter 0
    nt_sysctl "$ns" net.ipv4.conf.eth0.rp_filter 0
    lbt_start_real "$i"
  done
}

# lbt_real_nic_offloads NS ROUTER_IF - make the real's eth0 receive like a
# real NIC: GRO on, in a threaded NAPI instance, so tunnel packets of one flow
# reach the decap program merged into one large, non-linear skb. On the
# router's side: veth merges only what its peer sends without TSO, and a veth
# receiving through NAPI drops what does not fit its 256-packet ring unless
# the sender has a qdisc to hold packets back (seen: ~10% of an upload's
# segments retransmitted without one).
lbt_real_nic_offloads() {
  local ns=$1 rif=$2
  nt_exec "$LBT_ROUTER" ethtool -K "$rif" tso off >/dev/null
  nt_exec "$LBT_ROUTER" tc qdisc replace dev "$rif" root pfifo limit 1000
  nt_exec "$ns" ethtool -K eth0 gro on >/dev/null
  nt_exec "$ns" sh -c 'echo 1 >/sys/class/net/eth0/threaded' ||
    nt_fail "cannot switch $ns's eth0 to threaded NAPI"
}

# lbt_start_real I - lbd in the real-server role and an HTTP server whose
# index says "real<I>", which also serves a 2 MB file for long transfers and
# answers uploads (POST) with their length and SHA-256 (lib/real_http.py).
lbt_start_real() {
  local i=$1 ns=${LBT_REAL_NS[$1 - 1]} www
  www=$(nt_tmpdir "www$i")
  echo "real$i" >"$www/index.html"
  head -c 2000000 /dev/zero | tr '\0' "$i" >"$www/big"
  LBT_REAL_PINS[i - 1]=$(nt_pin_dir "real$i")
  nt_bg "$ns" "decap$i" "$SLUICE_BUILD_DIR/lbd/lbd" --decap-iface eth0 \
    --pin-dir "${LBT_REAL_PINS[i - 1]}" --listen "unix:$NT_RUN_DIR/real$i.sock"
  nt_bg "$ns" "http$i" "$LBT_LIB/real_http.py" "real$i" "$www" 80
  nt_wait_port "$ns" 80 tcp 10
}

# lbt_start_lbd - (re)start the LB's lbd on l0 in native XDP mode, with the
# pin dir of this run (created on first start).
lbt_start_lbd() {
  [[ -n ${LBT_PINS-} ]] || LBT_PINS=$(nt_pin_dir lb)
  LBT_SOCK=$NT_RUN_DIR/lbd.sock
  nt_bg "$LBT_LB" lbd "$SLUICE_BUILD_DIR/lbd/lbd" --iface l0 --xdp-mode native \
    --pin-dir "$LBT_PINS" --listen "unix:$LBT_SOCK" --ring-pool-entries 1000000 \
    --max-prefixes 1100000 --conntrack-entries 65536 ${LBT_LBD_ARGS-}
  nt_wait_until 10 lbt_lbctl_quiet vip list
}

lbt_lbctl_quiet() { lbt_lbctl "$@" >/dev/null 2>&1; }

# lbt_configure - the VIPs (IPv4 and IPv6, port 80) with every real.
lbt_configure() {
  local i
  lbt_lbctl vip add "$LBT_VIP4:80/tcp"
  lbt_lbctl vip add "[$LBT_VIP6]:80/tcp"
  for ((i = 1; i <= LBT_REALS; i++)); do
    lbt_lbctl backend add "$LBT_VIP4:80/tcp" "$(lbt_real4 "$i")"
    lbt_lbctl backend add "[$LBT_VIP6]:80/tcp" "$(lbt_real6 "$i")"
  done
  # Next hops resolve through ARP/ND on first use: wait until every backend
  # has its router MAC.
  nt_wait_until 10 lbt_all_resolved
}

# lbt_decap_counter I ID - "packets bytes" of counter ID of real I's decap
# program (`enum decap_counter` in datapath/tc/decap.bpf.c; lbctl does not
# show a real's counters).
lbt_decap_counter() {
  bpftool -j map lookup pinned "${LBT_REAL_PINS[$1 - 1]}-decap/decap_counters" key "$2" 0 0 0 |
    python3 -c 'import json, sys
v = json.load(sys.stdin)["formatted"]["values"]
print(sum(c["value"]["packets"] for c in v), sum(c["value"]["bytes"] for c in v))'
}

# lbt_json EXPR ARGS... - run lbctl -o json ARGS and print the Python
# expression EXPR evaluated on the parsed reply `j`.
lbt_json() {
  local expr=$1
  shift
  lbt_lbctl -o json "$@" | python3 -c "import json,sys; j=json.load(sys.stdin); print($expr)"
}

lbt_all_resolved() {
  local vip n
  for vip in "$LBT_VIP4:80/tcp" "[$LBT_VIP6]:80/tcp"; do
    n=$(lbt_json 'sum(1 for b in j.get("backends", []) if b["next_hop_mac"])' backend list "$vip")
    [[ $n -eq $LBT_REALS ]] || return 1
  done
}

# lbt_get URL [CURL ARGS...] - one request from the client; prints the body.
lbt_get() {
  local url=$1
  shift
  nt_exec "$LBT_CLIENT" curl -s --max-time 3 "$@" "$url"
}
