#!/usr/bin/env bash
# Service NAT on a node, for 1, 1,000 and 10,000 UDP services (one backend
# each): Sluice's tc datapath (lbd endpoints on the host veths, `lbctl service
# add` per service) against iptables DNAT kube-proxy style (legacy; nat
# PREROUTING -> KUBE-SERVICES, one rule per service jumping to a chain per
# service with `-j DNAT --to-destination`) and an nftables DNAT map
# (`dnat ip to ip daddr . udp dport map @svc`). Reference row: plain routing
# with no NAT (traffic sent to the backend directly). Sluice runs twice: with
# BPF host routing (the default: from-endpoint hands the packet straight to
# the receiving endpoint) and with `--host-routing kernel` (through the
# host's IP layer and to-endpoint). Traffic: 64-byte UDP, 256 flows, to the
# service added last; counted where it arrives: the sink drops it in tc
# ingress and counts it in its veth's rx_packets (an XDP sink would not see
# what bpf_redirect_peer hands over). Ratios: against iptables DNAT at the
# same count.
#
#   gen 10.0.1.2 ──eth0══ep-gen── dut (routing, NAT) ──ep-sink══eth0── sink 10.0.2.1
#
#   SLUICE_BUILD_DIR=/tmp/build-perf bash netns-tests/perf/service_nat.sh [--quick]
#
# Adding services to lbd is one RPC (one lbctl process) each; with more than
# PERF_MAX_ADD_S (default 300) seconds projected for the next count, Sluice's
# larger counts are skipped and the log says so.
set -euo pipefail
# Every contender's packets cross a different number of BPF programs (Sluice:
# two tc programs more), so no per-program timing: it would charge them.
PERF_BPF_STATS=0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
perf_init service_nat "$@"
nt_require_cmd iptables-legacy iptables-legacy-restore nft

if ((PERF_QUICK)); then COUNTS=(1 1000); else COUNTS=(1 1000 10000); fi
PERF_MAX_ADD_S=${PERF_MAX_ADD_S:-300}
GW=169.254.1.1
CLIENT=10.0.1.2
BACKEND=10.0.2.1
FLOWS=256

vip() { echo "10.96.$(($1 >> 8)).$(($1 & 255))"; }

arrived() { perf_rx_packets sink eth0; }

topology() {
  nt_ns gen >/dev/null
  nt_ns dut --forward >/dev/null
  nt_ns sink >/dev/null
  nt_veth gen eth0 dut ep-gen
  nt_veth dut ep-sink sink eth0
  nt_addr dut ep-gen "$GW/32"
  nt_addr dut ep-sink "$GW/32"
  nt_route dut "$CLIENT/32" dev ep-gen
  nt_route dut "$BACKEND/32" dev ep-sink
  nt_addr gen eth0 "$CLIENT/32"
  nt_route gen "$GW/32" dev eth0
  nt_route gen default via "$GW" dev eth0
  nt_addr sink eth0 "$BACKEND/32"
  nt_sysctl dut net.ipv4.conf.all.rp_filter 0
  nt_sysctl dut net.ipv4.conf.ep-gen.rp_filter 0
  # The sink drops everything (ARP too): a permanent neighbour entry.
  nt_exec dut ip neigh replace "$BACKEND" lladdr "$(perf_mac sink eth0)" dev ep-sink nud permanent
  perf_tc_sink sink eth0
  perf_xdp dut ep-gen pass
  perf_threaded dut ep-gen
}

traffic() { # DST PORT
  echo -- --dst "$1" --dport "$2" --dst-mac "$(perf_mac dut ep-gen)" --flows "$FLOWS"
}

scenario_routing() {
  topology
  # shellcheck disable=SC2046
  perf_point nat route-no-nat 0 arrived - $(traffic "$BACKEND" 5353)
}

SOCK=
lbctl_q() { "$LBCTL" --server "unix:$SOCK" "$@"; }
lbctl_up() { lbctl_q endpoint list >/dev/null 2>&1; }
scenario_sluice() { # CONTENDER HOST_ROUTING [MAX_COUNT]
  local who=$1 max=${3:-${COUNTS[-1]}}
  topology
  SOCK=$NT_RUN_DIR/lbd.sock
  nt_bg dut lbd "$LBD" --pin-dir "$(nt_pin_dir node)" --listen "unix:$SOCK" --host-routing "$2"
  nt_wait_until 20 lbctl_up
  lbctl_q endpoint add gen --iface ep-gen --ip "$CLIENT"
  lbctl_q endpoint add sink --iface ep-sink --ip "$BACKEND"
  local n i=0 t0 ms per_ms=0
  for n in "${COUNTS[@]}"; do
    ((n <= max)) || continue
    if ((per_ms > 0 && (n - i) * per_ms / 1000 > PERF_MAX_ADD_S)); then
      nt_log "$who: skipping $n services: $((n - i)) more adds at ${per_ms} ms each > ${PERF_MAX_ADD_S}s"
      echo "$who: $n services skipped ($((n - i)) adds at ${per_ms} ms each)" >>"$PERF_TMP/notes"
      continue
    fi
    t0=$(_nt_now_us)
    local first=$((i + 1))
    while ((i < n)); do
      i=$((i + 1))
      lbctl_q service add "$(vip "$i"):53/udp" --backend "$BACKEND:5353"
    done
    ms=$((($(_nt_now_us) - t0) / 1000))
    ((n >= first + 9)) && per_ms=$((ms / (n - first + 1)))
    nt_log "$who: added services $first..$n in $ms ms"
    echo "$who: services $first..$n added in $ms ms" >>"$PERF_TMP/notes"
    # shellcheck disable=SC2046
    perf_point nat "$who" "$n" arrived - $(traffic "$(vip "$n")" 53)
  done
}

scenario_iptables() {
  topology
  local n i t0
  for n in "${COUNTS[@]}"; do
    t0=$(_nt_now_us)
    {
      echo '*nat'
      printf ':%s ACCEPT [0:0]\n' PREROUTING INPUT OUTPUT POSTROUTING
      echo ':KUBE-SERVICES - [0:0]'
      for ((i = 1; i <= n; i++)); do echo ":KUBE-SVC-$i - [0:0]"; done
      echo '-A PREROUTING -j KUBE-SERVICES'
      for ((i = 1; i <= n; i++)); do
        echo "-A KUBE-SERVICES -d $(vip "$i")/32 -p udp -m udp --dport 53 -j KUBE-SVC-$i"
        echo "-A KUBE-SVC-$i -p udp -j DNAT --to-destination $BACKEND:5353"
      done
      echo COMMIT
    } | nt_exec dut iptables-legacy-restore
    nt_log "iptables: loaded $n services in $((($(_nt_now_us) - t0) / 1000)) ms"
    # shellcheck disable=SC2046
    perf_point nat iptables-dnat "$n" arrived - $(traffic "$(vip "$n")" 53)
  done
}

scenario_nft() {
  topology
  nt_exec dut nft -f - <<'EOF'
table ip perfnat {
  map svc { type ipv4_addr . inet_service : ipv4_addr . inet_service; size 65536; }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    meta l4proto udp dnat ip to ip daddr . udp dport map @svc
  }
}
EOF
  local n i t0
  for n in "${COUNTS[@]}"; do
    t0=$(_nt_now_us)
    {
      echo 'flush map ip perfnat svc'
      for ((i = 1; i <= n; i++)); do
        echo "add element ip perfnat svc { $(vip "$i") . 53 : $BACKEND . 5353 }"
      done
    } | nt_exec dut nft -f -
    nt_log "nft: loaded $n services in $((($(_nt_now_us) - t0) / 1000)) ms"
    # shellcheck disable=SC2046
    perf_point nat nft-dnat-map "$n" arrived - $(traffic "$(vip "$n")" 53)
  done
}

nt_run perf_gen_only "$FLOWS"
nt_run scenario_routing
nt_run scenario_sluice sluice-tc bpf
# The host path is a reference for the hand-over, not a goal: up to 1,000
# services (the adds take minutes at 10,000).
nt_run scenario_sluice sluice-tc-kernel-routing kernel 1000
nt_run scenario_iptables
nt_run scenario_nft
perf_report "service NAT (64-byte UDP, $FLOWS flows to the last service, $PERF_DURATION s per point)" iptables-dnat
[[ ! -s $PERF_TMP/notes ]] || { echo; sed 's/^/note: /' "$PERF_TMP/notes"; }
nt_done
