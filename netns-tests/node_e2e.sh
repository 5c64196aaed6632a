#!/usr/bin/env bash
# The node datapath end to end: workloads in namespaces behind veths, the tc
# programs on the host side, real clients and servers, real lbd and lbctl.
# Topology and helpers: lib/node_topology.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/netns.sh"
source "$here/lib/node_topology.sh"
: "${SLUICE_BUILD_DIR:=$here/../build}"

nt_init node_e2e
ndt_require

setup() {
  ndt_build
  ndt_start_lbd
  ndt_configure
}

node_counter() {   # node_counter KIND NAME - a node counter's packets
  ndt_json "int(j.get('node_$1', {}).get('$2', {}).get('packets', 0))" stats
}

# Requests from the client to the service spread over the three backends;
# the client only ever talks to the service address (a reply from a backend
# address would reset the connection), the backends see the client itself.
service_spreads_over_backends() {
  local i seen=() body
  for ((i = 0; i < 30; i++)); do
    body=$(ndt_get "$NDT_CLIENT" "http://$NDT_SERVICE4/") || nt_fail "request $i to the service failed"
    seen+=("$body")
  done
  nt_assert_eq "be1 be2 be3" "$(printf '%s\n' "${seen[@]}" | sort -u | xargs)" "backends reached"
  grep -q "^$NDT_CLIENT4 " "$(nt_bg_log http1)" "$(nt_bg_log http2)" "$(nt_bg_log http3)" ||
    nt_fail "the backends did not see the client's own address"
  local dnat rev routed
  dnat=$(node_counter counters dnat)
  rev=$(node_counter counters rev_nat)
  routed=$(node_counter counters host_routed)
  nt_log "dnat=$dnat rev_nat=$rev host_routed=$routed"
  ((dnat >= 150 && rev >= 150)) || nt_fail "expected >= 150 packets each way NATed, got $dnat/$rev"
  # BPF host routing (the default): all but the packets that found no
  # neighbour entry yet went from one endpoint's program to the other.
  ((routed >= 250)) || nt_fail "expected >= 250 packets handed over by BPF host routing, got $routed"
}

udp_service_answers() {
  local answer
  answer=$(nt_exec "$NDT_CLIENT" "$here/lib/udp_ask.py" "$NDT_UDP_SERVICE4" 53 ping) ||
    nt_fail "no answer from the UDP service"
  nt_assert_match '^be[123] ping$' "$answer" "UDP service answer"
}

# A service with no backend to take a connection (its only one drained)
# refuses at once (ICMP port unreachable): curl fails with "connection
# refused" (exit 7), not a timeout (exit 28).
service_without_backends_refuses() {
  ndt_lbctl service add 10.96.0.99:80/tcp --backend "$(ndt_backend4 1):8080@0"
  ndt_lbctl service add 10.96.0.99:53/udp --backend "$(ndt_backend4 1):5353@0"
  local rc=0 answer
  nt_exec "$NDT_CLIENT" curl -s --max-time 5 http://10.96.0.99/ >/dev/null || rc=$?
  nt_assert_eq 7 "$rc" "curl exit code (7 = refused)"
  answer=$(nt_exec "$NDT_CLIENT" "$here/lib/udp_ask.py" 10.96.0.99 53 x 2>&1 || true)
  nt_assert_match "refused" "$answer" "UDP to a service without backends" 
  ((0 < $(node_counter counters reject_sent))) || nt_fail "no reject counted"
}

# be1 admits only the client, only on the service port: be2 cannot reach
# it (timeout, counted as a policy drop, shown by lbctl monitor) while the
# client keeps being served by be1 through the service.
ingress_policy_isolates_backend() {
  local policy mon
  policy=$(nt_tmpdir policy)/be1.json
  cat >"$policy" <<JSON
{"ingress": [{"action": "allow", "peer": "$NDT_CLIENT4/32", "protocol": "tcp", "ports": "8080"}]}
JSON
  mon=$(nt_tmpdir mon)/events
  nt_bg "$NDT_NODE" monitor "$SLUICE_BUILD_DIR/cli/lbctl" --server "unix:$NDT_SOCK" monitor
  ndt_lbctl policy set be1 "$policy"
  ndt_lbctl policy show be1 | grep -q 8080 || nt_fail "policy show does not show the rule"
  local before rc=0
  before=$(node_counter drops policy_default)
  nt_exec "${NDT_BACKEND_NS[1]}" curl -s --max-time 2 "http://$(ndt_backend4 1):8080/" >/dev/null || rc=$?
  nt_assert_eq 28 "$rc" "be2 -> be1 curl exit code (28 = timed out)"
  (($(node_counter drops policy_default) > before)) || nt_fail "the drop was not counted"
  nt_wait_until 5 grep -q "$(ndt_backend4 2):.*policy_default" "$(nt_bg_log monitor)"
  nt_log "monitor: $(grep -m1 policy_default "$(nt_bg_log monitor)")"

  local i hit_be1=0 body
  for ((i = 0; i < 20; i++)); do
    body=$(ndt_get "$NDT_CLIENT" "http://$NDT_SERVICE4/") || nt_fail "client request $i failed under the policy"
    [[ $body == be1 ]] && hit_be1=1
  done
  ((hit_be1)) || nt_fail "no client request reached be1 through the service"
  ((0 < $(ndt_json "sum(int(r['hits']['packets']) for r in j.get('rules', []))" stats policy))) ||
    nt_fail "the allow rule counted no hits"
  ndt_lbctl policy clear be1
  ndt_get "${NDT_BACKEND_NS[1]}" "http://$(ndt_backend4 1):8080/" >/dev/null ||
    nt_fail "be2 -> be1 still blocked after the policy was cleared"
}

# An open connection keeps its backend while the service's backend set
# changes around it, and across a kill -9 and restart of lbd.
open_connection_keeps_backend() {
  local out be i log
  out=$(nt_tmpdir dl)/big
  nt_bg "$NDT_CLIENT" download "$here/lib/slow_get.py" "$NDT_SERVICE4" 80 /big "$out"
  nt_wait_until 5 test -s "$out"
  be=
  for ((i = 1; i <= NDT_BACKENDS; i++)); do
    log=$(nt_bg_log "http$i")
    grep -q 'GET /big' "$log" && be=$i
  done
  [[ -n $be ]] || nt_fail "no backend logged the download"
  local others=() keep=()
  for ((i = 1; i <= NDT_BACKENDS; i++)); do
    ((i == be)) && continue
    others+=("$i")
  done
  # Remove one other backend, set the serving one's weight to 0 (no new
  # connections), restart lbd hard.
  keep=(--backend "$(ndt_backend4 "$be"):8080@0" --backend "$(ndt_backend4 "${others[0]}"):8080")
  nt_log "download on be$be; service now be$be@0 + be${others[0]}, then kill -9 lbd"
  ndt_lbctl service add "$NDT_SERVICE4:80/tcp" "${keep[@]}"
  nt_bg_stop lbd KILL
  ndt_start_lbd
  ndt_lbctl service list | grep -q "$(ndt_backend4 "${others[0]}")" || nt_fail "service not restored"
  local partial
  partial=$(stat -c %s "$out")
  ((partial < 2000000)) || nt_fail "the download ended before the change: proves nothing"
  nt_wait_until 60 download_done
  nt_assert_eq 2000000 "$(stat -c %s "$out")" "downloaded bytes"
  tr -d "$be" <"$out" | head -c 1 | grep -q . && nt_fail "download mixed content from other backends"
  for ((i = 0; i < 10; i++)); do
    nt_assert_eq "be${others[0]}" "$(ndt_get "$NDT_CLIENT" "http://$NDT_SERVICE4/")" "new connection"
  done
}

download_done() { [[ -z $(nt_bg_pid download) ]]; }

# With --host-routing kernel the same traffic crosses the host's IP layer
# (and to-endpoint): still served and NATed, nothing handed over directly.
kernel_host_routing_serves() {
  nt_bg_stop lbd TERM
  NDT_LBD_ARGS="--host-routing kernel" ndt_start_lbd
  local routed dnat i
  routed=$(node_counter counters host_routed)
  dnat=$(node_counter counters dnat)
  for ((i = 0; i < 10; i++)); do
    ndt_get "$NDT_CLIENT" "http://$NDT_SERVICE4/" >/dev/null || nt_fail "request $i failed with kernel host routing"
  done
  nt_assert_eq "$routed" "$(node_counter counters host_routed)" "packets handed over with kernel host routing"
  (($(node_counter counters dnat) >= dnat + 30)) || nt_fail "the requests were not DNATed"
}

# One topology for all steps (a scenario's namespaces go with it); each step
# is logged, and the first failing one fails the scenario.
node_end_to_end() {
  local step
  for step in setup service_spreads_over_backends udp_service_answers \
    service_without_backends_refuses ingress_policy_isolates_backend \
    open_connection_keeps_backend kernel_host_routing_serves; do
    nt_log "--- step $step"
    "$step"
  done
}

nt_run node_end_to_end
nt_done
