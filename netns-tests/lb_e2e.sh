#!/usr/bin/env bash
# The XDP load balancer end to end: real clients, real servers, real lbd.
# Topology and helpers: lib/lb_topology.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/netns.sh"
source "$here/lib/lb_topology.sh"
: "${SLUICE_BUILD_DIR:=$here/../build}"

nt_init lb_e2e
lbt_require

LBT_LBD_ARGS="--metrics 127.0.0.1:9100"

setup() {
  lbt_build
  lbt_start_lbd
  lbt_configure
}

# Many connections (distinct source ports) reach every real; replies bypass
# the LB (it passes almost nothing while it forwards every request packet).
spread_over_all_reals() {
  local i seen=() body
  for ((i = 0; i < 30; i++)); do
    body=$(lbt_get "http://$LBT_VIP4/") || nt_fail "request $i to the VIP failed"
    seen+=("$body")
  done
  nt_assert_eq "real1 real2 real3" "$(printf '%s\n' "${seen[@]}" | sort -u | xargs)" "reals reached"
  local tx pass
  tx=$(lbt_json 'int(j["verdicts"]["tx"]["packets"])' stats)
  pass=$(lbt_json 'int(j["verdicts"]["pass"]["packets"])' stats)
  nt_log "LB verdicts: tx=$tx pass=$pass"
  ((tx >= 150)) || nt_fail "expected >= 150 forwarded packets (30 connections), got $tx"
  ((pass < 30)) || nt_fail "replies went through the LB: $pass packets passed to its stack"
}

# Prometheus text format from lbd --metrics, with the traffic just sent.
metrics_exported() {
  local text packets
  text=$(nt_exec "$LBT_LB" curl -s --max-time 3 http://127.0.0.1:9100/metrics)
  packets=$(awk -v k="sluice_vip_packets_total{vip=\"$LBT_VIP4:80/tcp\"}" '$1 == k {print $2}' <<<"$text")
  [[ -n $packets ]] || nt_fail "no sluice_vip_packets_total for the VIP in /metrics"
  ((${packets%.*} >= 150)) || nt_fail "VIP packets in /metrics: $packets, expected >= 150"
  grep -q '^sluice_xdp_verdicts_total{verdict="tx"}' <<<"$text" || nt_fail "no verdict counters in /metrics"
}

ipv6_vip() {
  local body
  body=$(lbt_get "http://[$LBT_VIP6]/") || nt_fail "request to the IPv6 VIP failed"
  nt_assert_match '^real[123]$' "$body" "IPv6 VIP answer"
}

# upload URL FILE - POST FILE from the client; prints the real's answer.
upload() {
  lbt_get "$1" --max-time 10 -H 'Expect:' --data-binary "@$2"
}

# An 8 MB upload (client -> VIP -> LB -> real), IPv4 and IPv6, arrives whole.
# The real's eth0 runs GRO (lbt_real_nic_offloads): the decap program gets
# the tunnel packets merged into large non-linear skbs, and must strip them.
bulk_upload_arrives_whole() {
  local file want got real packets bytes
  file=$(nt_tmpdir upload)/data
  head -c 8000000 /dev/urandom >"$file"
  want=$(sha256sum "$file" | cut -d' ' -f1)
  got=$(upload "http://$LBT_VIP4/upload" "$file") || nt_fail "IPv4 upload failed or timed out"
  nt_assert_match "^real[123] 8000000 $want\$" "$got" "IPv4 upload: real, length, SHA-256"
  # The real's IPIP packets so far are the upload and a few small requests:
  # unmerged they average under the link MTU, merged far above it.
  real=${got:4:1}
  read -r packets bytes < <(lbt_decap_counter "$real" 1)
  ((packets > 0)) || nt_fail "real$real counted no IPIP packet"
  nt_log "real$real has decapsulated $packets IPIP packets, $((bytes / packets)) bytes each"
  ((bytes / packets > LBT_MTU)) || nt_fail "no GRO-merged tunnel packets reached decap: the test proves nothing"
  got=$(upload "http://[$LBT_VIP6]/upload" "$file") || nt_fail "IPv6 upload failed or timed out"
  nt_assert_match "^real[123] 8000000 $want\$" "$got" "IPv6 upload: real, length, SHA-256"
}

# sink_received N - whether the UDP sink logged N datagrams of 8900 bytes.
sink_received() { [[ $(grep -cx 8900 "$(nt_bg_log udp_sink)") -eq $1 ]]; }

# 9000-byte tunnel frames on the reals' jumbo links, sent as the LB would but
# paged (lib/send_ipip.py): decapsulated whether or not GRO handles them first.
jumbo_tunnel_frames_are_decapsulated() {
  local ns=${LBT_REAL_NS[0]} mac gro sent=0
  nt_bg "$ns" udp_sink "$LBT_LIB/udp_sink.py" "$LBT_VIP4" 9999
  nt_wait_port "$ns" 9999 udp
  mac=$(nt_mac "$ns" eth0)
  for gro in off on; do
    nt_exec "$ns" ethtool -K eth0 gro "$gro"
    nt_exec "$LBT_ROUTER" "$LBT_LIB/send_ipip.py" r1 "$mac" 10.20.0.2 "$(lbt_real4 1)" \
      "$LBT_CLIENT4" "$LBT_VIP4" 9999 8900
    sent=$((sent + 1))
    nt_wait_until 3 sink_received "$sent" ||
      nt_fail "a 9000-byte tunnel frame (GRO $gro) did not reach the real's socket"
  done
  nt_bg_stop udp_sink
}

# The real serving flow P (client source port P) for a set of ports.
reals_of_ports() {
  local p
  for p in "$@"; do
    printf '%s=%s ' "$p" "$(nt_exec "$LBT_CLIENT" "$here/lib/http_get.py" "$LBT_VIP4" 80 "$p" / || echo none)"
  done
}

# Removing a real moves its flows and only its flows.
remove_real_moves_only_its_flows() {
  local ports before after p r
  ports=$(seq 41000 41029)
  # shellcheck disable=SC2086
  before=$(reals_of_ports $ports)
  lbt_lbctl backend del "$LBT_VIP4:80/tcp" "$(lbt_real4 3)"
  # shellcheck disable=SC2086
  after=$(reals_of_ports $ports)
  for p in $ports; do
    r=$(grep -o "$p=[a-z0-9]*" <<<"$before" | cut -d= -f2)
    a=$(grep -o "$p=[a-z0-9]*" <<<"$after" | cut -d= -f2)
    if [[ $r == real3 ]]; then
      [[ $a == real1 || $a == real2 ]] || nt_fail "flow $p was on real3 and now reaches '$a'"
    else
      nt_assert_eq "$r" "$a" "flow $p (on $r) must not move"
    fi
  done
  [[ $before == *real3* ]] || nt_fail "no flow was on real3 before: the test proves nothing"
  lbt_lbctl backend add "$LBT_VIP4:80/tcp" "$(lbt_real4 3)"
  nt_wait_until 10 lbt_all_resolved
}

download_done() { [[ -z $(nt_bg_pid download) ]]; }

# A long download keeps its real through a drain of that real and a
# kill -9 / restart of lbd.
long_flow_survives_drain_and_restart() {
  local out real log i
  out=$(nt_tmpdir dl)/big
  nt_bg "$LBT_CLIENT" download "$here/lib/slow_get.py" "$LBT_VIP4" 80 /big "$out"
  nt_wait_until 5 test -s "$out"
  real=
  for ((i = 1; i <= LBT_REALS; i++)); do
    log=$(nt_bg_log "http$i")
    grep -q 'GET /big' "$log" && real=$i
  done
  [[ -n $real ]] || nt_fail "no real logged the download"
  nt_log "download runs on real$real: draining it, then kill -9 lbd"
  lbt_lbctl backend set "$LBT_VIP4:80/tcp" "$(lbt_real4 "$real")" --weight 0
  nt_bg_stop lbd KILL
  nt_sleep 1
  lbt_start_lbd
  nt_assert_eq 1 "$(lbt_lbctl vip list | grep -c "$LBT_VIP4")" "VIP restored after restart"
  lbt_lbctl backend list "$LBT_VIP4:80/tcp" | grep "$(lbt_real4 "$real")" | grep -qw 0 ||
    nt_fail "the drained backend is not drained after the restart"
  local partial
  partial=$(stat -c %s "$out")
  ((partial < 2000000)) || nt_fail "the download ended before the drain and restart: proves nothing"
  nt_log "restarted with $partial of 2000000 bytes downloaded"
  nt_wait_until 60 download_done
  nt_assert_eq 2000000 "$(stat -c %s "$out")" "downloaded bytes"
  tr -d "$real" <"$out" | head -c 1 | grep -q . && nt_fail "download mixed content from other reals"
  # Drained: new connections avoid it.
  local body
  for ((i = 0; i < 10; i++)); do
    body=$(lbt_get "http://$LBT_VIP4/")
    [[ $body != "real$real" ]] || nt_fail "a new connection reached the drained real$real"
  done
  lbt_lbctl backend set "$LBT_VIP4:80/tcp" "$(lbt_real4 "$real")" --weight 100
}

# A pushed blacklist cuts the client off; pushing it away restores service.
blacklist_cuts_client_off() {
  local list
  list=$(nt_tmpdir bl)/list
  {
    echo "# the client's network, among others"
    for i in $(seq 1 200); do echo "198.18.$i.0/24"; done
    echo "10.10.0.0/24"
    echo "2001:db8:bad::/48"
  } >"$list"
  lbt_lbctl blacklist push "$list"
  if lbt_get "http://$LBT_VIP4/" >/dev/null; then nt_fail "blacklisted client still served"; fi
  local drops
  drops=$(lbt_json 'int(j["drops"]["src_blacklist_v4"]["packets"])' stats)
  ((drops > 0)) || nt_fail "no src_blacklist_v4 drops counted"
  grep -v '^10.10.0.0/24' "$list" >"$list.2"
  lbt_lbctl blacklist push "$list.2"
  lbt_get "http://$LBT_VIP4/" >/dev/null || nt_fail "service not restored after unblocking"
}

# One topology for all steps (a scenario's namespaces go with it); each step
# is logged, and the first failing one fails the scenario.
load_balancer_end_to_end() {
  local step
  for step in setup spread_over_all_reals metrics_exported ipv6_vip bulk_upload_arrives_whole \
    jumbo_tunnel_frames_are_decapsulated remove_real_moves_only_its_flows \
    long_flow_survives_drain_and_restart blacklist_cuts_client_off; do
    nt_log "--- step $step"
    "$step"
  done
}

nt_run load_balancer_end_to_end
nt_done
