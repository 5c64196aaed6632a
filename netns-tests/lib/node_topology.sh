# shellcheck shell=bash
# node_topology.sh - a node running workloads, shared by the node netns test
# and tools/demo.sh. Source after lib/netns.sh and nt_init.
#
#            ┌─ ep-client ── client   10.0.1.2
#   node ────┼─ ep-be1 ───── be1      10.0.2.1   HTTP :8080, UDP echo :5353
#  (lbd,     ├─ ep-be2 ───── be2      10.0.2.2         (each says its name)
#   routes)  └─ ep-be3 ───── be3      10.0.2.3
#
# Each workload has a /32 address and a default route via 169.254.1.1, the
# address of every host-side veth (routed, no bridge: the way Calico and
# Cilium wire pods). lbd in the node namespace owns the tc programs on the
# host-side veths (ep-*); services live on 10.96.0.0/16, on no interface.
#
# Needs SLUICE_BUILD_DIR (lbd, lbctl).

NDT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NDT_GATEWAY=169.254.1.1
NDT_CLIENT4=10.0.1.2
NDT_SERVICE4=10.96.0.10
NDT_UDP_SERVICE4=10.96.0.53
NDT_BACKENDS=3

ndt_backend4() { echo "10.0.2.$1"; }

# ndt_lbctl ARGS... - lbctl against the node's lbd.
ndt_lbctl() { "$SLUICE_BUILD_DIR/cli/lbctl" --server "unix:$NDT_SOCK" "$@"; }
ndt_lbctl_quiet() { ndt_lbctl "$@" >/dev/null 2>&1; }

# ndt_json EXPR ARGS... - run lbctl -o json ARGS, print the Python expression
# EXPR evaluated on the parsed reply `j`.
ndt_json() {
  local expr=$1
  shift
  ndt_lbctl -o json "$@" | python3 -c "import json,sys; j=json.load(sys.stdin); print($expr)"
}

ndt_require() {
  nt_require_root
  nt_require_cmd ip curl python3
  local f
  for f in lbd/lbd cli/lbctl; do
    [[ -e $SLUICE_BUILD_DIR/$f ]] || nt_fail "missing $SLUICE_BUILD_DIR/$f: build first (tools/build.sh)"
  done
}

# ndt_workload NAME ADDRESS - a namespace behind host veth ep-NAME.
ndt_workload() {
  local name=$1 addr=$2 ns
  ns=$(nt_ns "$name")
  nt_veth "$NDT_NODE" "ep-$name" "$ns" eth0
  nt_addr "$NDT_NODE" "ep-$name" "$NDT_GATEWAY/32"
  nt_route "$NDT_NODE" "$addr/32" dev "ep-$name"
  nt_addr "$ns" eth0 "$addr/32"
  nt_route "$ns" "$NDT_GATEWAY/32" dev eth0
  nt_route "$ns" default via "$NDT_GATEWAY" dev eth0
  nt_sysctl "$NDT_NODE" "net.ipv4.conf.ep-$name.rp_filter" 0
  echo "$ns"
}

# ndt_build - namespaces, veths, routes; a named HTTP server and UDP echo in
# every backend.
ndt_build() {
  NDT_NODE=$(nt_ns node --forward)
  nt_sysctl "$NDT_NODE" net.ipv4.conf.all.rp_filter 0
  NDT_CLIENT=$(ndt_workload client "$NDT_CLIENT4")
  NDT_BACKEND_NS=()
  local i ns www
  for ((i = 1; i <= NDT_BACKENDS; i++)); do
    ns=$(ndt_workload "be$i" "$(ndt_backend4 "$i")")
    NDT_BACKEND_NS+=("$ns")
    www=$(nt_tmpdir "www$i")
    echo "be$i" >"$www/index.html"
    head -c 2000000 /dev/zero | tr '\0' "$i" >"$www/big"
    nt_bg "$ns" "http$i" python3 -m http.server --bind 0.0.0.0 --directory "$www" 8080
    nt_bg "$ns" "echo$i" "$NDT_LIB/udp_echo.py" "be$i" 5353
    nt_wait_port "$ns" 8080 tcp 10
    nt_wait_port "$ns" 5353 udp 10
  done
}

# ndt_start_lbd - (re)start lbd in the node namespace with this run's pins.
ndt_start_lbd() {
  [[ -n ${NDT_PINS-} ]] || NDT_PINS=$(nt_pin_dir node)
  NDT_SOCK=$NT_RUN_DIR/node-lbd.sock
  nt_bg "$NDT_NODE" lbd "$SLUICE_BUILD_DIR/lbd/lbd" --pin-dir "$NDT_PINS" \
    --listen "unix:$NDT_SOCK" ${NDT_LBD_ARGS-}
  nt_wait_until 10 ndt_lbctl_quiet endpoint list
}

# ndt_configure - every workload an endpoint; the TCP service on port 80 and
# the UDP one on 53, each over the three backends.
ndt_configure() {
  local i tcp=() udp=()
  ndt_lbctl endpoint add client --iface ep-client --ip "$NDT_CLIENT4"
  for ((i = 1; i <= NDT_BACKENDS; i++)); do
    ndt_lbctl endpoint add "be$i" --iface "ep-be$i" --ip "$(ndt_backend4 "$i")"
    tcp+=(--backend "$(ndt_backend4 "$i"):8080")
    udp+=(--backend "$(ndt_backend4 "$i"):5353")
  done
  ndt_lbctl service add "$NDT_SERVICE4:80/tcp" "${tcp[@]}"
  ndt_lbctl service add "$NDT_UDP_SERVICE4:53/udp" "${udp[@]}"
}

# ndt_get NS URL - one HTTP request from NS; prints the body.
ndt_get() {
  nt_exec "$1" curl -s --fail --max-time 3 "$2"
}
