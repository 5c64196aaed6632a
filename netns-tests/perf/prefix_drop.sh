#!/usr/bin/env bash
# Source-prefix drop on a veth, Sluice XDP against iptables (legacy, raw
# PREROUTING, one rule per prefix), iptables + ipset (hash:net) and an nftables
# netdev ingress set (flags interval), for 1, 1,000 and 100,000 blacklisted
# /24s. The traffic (64-byte UDP, 200 source addresses) comes from the prefix
# listed LAST (the worst case for a linear rule list). Reference row:
# `gen-only`, a bare XDP_DROP with no lookup (the generator's own cost). Ratios: against iptables
# raw at the same count. See docs/benchmarks.md ("veth throughput").
#
#   SLUICE_BUILD_DIR=/tmp/build-perf bash netns-tests/perf/prefix_drop.sh [--quick]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
perf_init prefix_drop "$@"
nt_require_cmd iptables-legacy iptables-legacy-restore nft

if ((PERF_QUICK)); then COUNTS=(1 1000); else COUNTS=(1 1000 100000); fi
PFX_DIR=$PERF_TMP
for n in "${COUNTS[@]}"; do perf_write_prefixes "$n" "$PFX_DIR/$n.txt"; done

FLOWS=200
traffic() {
  echo -- --dst "$DUT4" --src "$PERF_SRC4" --dst-mac "$(perf_mac dut eth0)" --vary src-ip --flows "$FLOWS"
}

# ---- Sluice: lbd --iface, lbctl blacklist push
SOCK=
lbctl_q() { "$LBCTL" --server "unix:$SOCK" "$@"; }
lbctl_up() { lbctl_q vip list >/dev/null 2>&1; }
sluice_drops() {
  lbctl_q -o json stats drops |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(sum(int(v.get("packets",0)) for k,v in j.get("drops",{}).items() if "src_blacklist" in k))'
}
scenario_sluice() {
  perf_pair
  SOCK=$NT_RUN_DIR/lbd.sock
  nt_bg dut lbd "$LBD" --iface eth0 --xdp-mode native --pin-dir "$(nt_pin_dir lb)" \
    --listen "unix:$SOCK" --max-prefixes 200000
  nt_wait_until 20 lbctl_up
  perf_threaded dut eth0
  local id n t0
  id=$(perf_xdp_prog_id dut eth0)
  for n in "${COUNTS[@]}"; do
    t0=$(_nt_now_us)
    lbctl_q blacklist push "$PFX_DIR/$n.txt" >/dev/null
    nt_log "sluice: pushed $n prefixes in $((($(_nt_now_us) - t0) / 1000)) ms"
    # shellcheck disable=SC2046
    perf_point drop sluice-xdp "$n" sluice_drops "$id" $(traffic)
  done
}

# ---- iptables legacy, raw PREROUTING, one DROP rule per prefix
IPT_RULE=1
ipt_count() {
  nt_exec dut iptables-legacy -t raw -L PREROUTING "$IPT_RULE" -v -x -n | awk '{ print $1 }'
}
scenario_iptables() {
  perf_pair
  perf_xdp dut eth0 pass
  perf_threaded dut eth0
  local n t0
  for n in "${COUNTS[@]}"; do
    t0=$(_nt_now_us)
    { echo '*raw'; echo ':PREROUTING ACCEPT [0:0]'; echo ':OUTPUT ACCEPT [0:0]'
      sed 's/^/-A PREROUTING -s /; s/$/ -j DROP/' "$PFX_DIR/$n.txt"; echo COMMIT; } |
      nt_exec dut iptables-legacy-restore
    nt_log "iptables: loaded $n rules in $((($(_nt_now_us) - t0) / 1000)) ms"
    IPT_RULE=$n
    # shellcheck disable=SC2046
    perf_point drop iptables-raw "$n" ipt_count - $(traffic)
  done
}

# ---- iptables legacy + ipset hash:net
scenario_ipset() {
  command -v ipset >/dev/null || nt_skip "ipset not installed (apt-get install ipset)"
  perf_pair
  perf_xdp dut eth0 pass
  perf_threaded dut eth0
  nt_exec dut ipset create perfbl hash:net family inet maxelem 262144
  nt_exec dut iptables-legacy -t raw -A PREROUTING -m set --match-set perfbl src -j DROP
  IPT_RULE=1
  local n t0
  for n in "${COUNTS[@]}"; do
    t0=$(_nt_now_us)
    nt_exec dut ipset flush perfbl
    sed 's/^/add perfbl /' "$PFX_DIR/$n.txt" | nt_exec dut ipset restore
    nt_log "ipset: loaded $n prefixes in $((($(_nt_now_us) - t0) / 1000)) ms"
    # shellcheck disable=SC2046
    perf_point drop iptables-ipset "$n" ipt_count - $(traffic)
  done
}

# ---- nftables netdev ingress, interval set
nft_count() {
  nt_exec dut nft -j list chain netdev perf ingress |
    python3 -c 'import json,sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("rule",{}).get("expr",[]):
        if "counter" in e: print(e["counter"]["packets"])'
}
scenario_nft() {
  perf_pair
  perf_xdp dut eth0 pass
  perf_threaded dut eth0
  nt_exec dut nft -f - <<'EOF'
table netdev perf {
  set bl { type ipv4_addr; flags interval; }
  chain ingress {
    type filter hook ingress device "eth0" priority 0; policy accept;
    ip saddr @bl counter drop
  }
}
EOF
  local n t0
  for n in "${COUNTS[@]}"; do
    t0=$(_nt_now_us)
    { echo 'flush set netdev perf bl'
      awk '{ a[NR % 1000] = 1; printf "%s%s", (NR % 1000 == 1 ? "add element netdev perf bl { " : ", "), $1;
             if (NR % 1000 == 0) print " }" } END { if (NR % 1000) print " }" }' "$PFX_DIR/$n.txt"; } |
      nt_exec dut nft -f -
    nt_log "nft: loaded $n prefixes in $((($(_nt_now_us) - t0) / 1000)) ms"
    # shellcheck disable=SC2046
    perf_point drop nft-netdev "$n" nft_count - $(traffic)
  done
}

# The reference: bare XDP_DROP, no lookup (the generator's own cost).
nt_run perf_gen_only "$FLOWS" --src "$PERF_SRC4" --vary src-ip
nt_run scenario_sluice
nt_run scenario_iptables
nt_run scenario_ipset
nt_run scenario_nft
perf_report "source-prefix drop (64-byte UDP, $PERF_DURATION s per point)" iptables-raw
nt_done
