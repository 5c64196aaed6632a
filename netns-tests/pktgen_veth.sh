#!/usr/bin/env bash
# tools/pktgen on a veth pair: what it says it sent arrives, --flows and
# --vary make distinct flows, a peer without XDP is reported, bad input
# fails with one line. See docs/pktgen.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
: "${SLUICE_BUILD_DIR:=$here/../build}"

PKTGEN=$SLUICE_BUILD_DIR/tools/pktgen/pktgen
XDP_PASS=$SLUICE_BUILD_DIR/datapath/xdp/xdp_pass.bpf.o
TX4=10.210.0.1 RX4=10.210.0.2 TX6=fd00:210::1 RX6=fd00:210::2

# tx:eth0 -- rx:eth0, addressed; xdp_pass on the receiving end unless
# "--no-xdp" (a veth delivers XDP_TX frames only to a peer running XDP).
veth_pair() {
  nt_ns tx >/dev/null
  nt_ns rx >/dev/null
  nt_veth tx eth0 rx eth0
  nt_addr tx eth0 "$TX4/24"
  nt_addr rx eth0 "$RX4/24"
  nt_addr tx eth0 "$TX6/64"
  nt_addr rx eth0 "$RX6/64"
  if [[ ${1-} != --no-xdp ]]; then
    nt_exec rx ip link set dev eth0 xdpdrv obj "$XDP_PASS" sec xdp
  fi
}

rx_packets() { nt_exec rx cat /sys/class/net/eth0/statistics/rx_packets; }

# nftables on the receiver: counts what matches RULE_MATCH, adds FIELD of
# each such packet to set "seen" (of TYPE), and drops it (no ICMP errors).
nft_watch() {
  local type=$1 field=$2 match=$3
  nt_exec rx nft -f - <<EOF
table inet pktgen_test {
  set seen { type $type; flags dynamic; size 65536; }
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    $match add @seen { $field } counter drop
  }
}
EOF
}

# The elements of set "seen", one per line, sorted.
nft_seen() {
  nt_exec rx nft -j list set inet pktgen_test seen |
    python3 -c 'import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []): print(e)' | sort
}

nft_matched() {
  nt_exec rx nft list chain inet pktgen_test prerouting |
    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}

# Prints pktgen's stdout; its stderr goes to ours.
pktgen() { nt_exec tx "$PKTGEN" --iface eth0 "$@"; }

# 100000 64-byte UDP frames, sent at full speed, reach the receiver.
udp_count_arrives() {
  local before after out
  veth_pair
  before=$(rx_packets)
  out=$(pktgen --dst "$RX4" --dst-mac "$(nt_mac rx eth0)" --count 100000)
  after=$(rx_packets)
  nt_log "pktgen: ${out//$'\n'/; }"
  nt_assert_match '^sent 100000 packets in [0-9.]+ s: [0-9]+ packets/s' "$out" "summary"
  nt_assert_match 'eth0 tx_packets \+' "$out" "tx counter line"
  ((after - before >= 95000)) || nt_fail "receiver counted $((after - before)) of 100000 packets"
}

# --flows 16 gives 16 source ports, sport .. sport+15, each seen at the receiver.
flows_vary_source_port() {
  local ports
  veth_pair
  nft_watch inet_service 'udp sport' 'udp dport 9000'
  pktgen --dst "$RX4" --flows 16 --sport 20000 --count 1600 >/dev/null
  ports=$(nft_seen | xargs)
  nt_assert_eq "$(seq -s ' ' 20000 20015)" "$ports" "source ports seen"
  (($(nft_matched) >= 1520)) || nt_fail "receiver matched $(nft_matched) of 1600 packets"
}

# IPv6 TCP SYNs with --vary src-ip: 4 source addresses, paced by --rate.
ipv6_tcp_vary_source_address() {
  local addrs
  veth_pair
  nft_watch ipv6_addr 'ip6 saddr' 'tcp dport 80 tcp flags == syn'
  pktgen --dst "$RX6" --proto tcp --dport 80 --size 128 --vary src-ip --flows 4 \
    --src fd00:210::10 --count 2000 --rate 20000 >/dev/null
  addrs=$(nft_seen | xargs)
  nt_assert_eq "fd00:210::10 fd00:210::11 fd00:210::12 fd00:210::13" "$addrs" "source addresses seen"
  (($(nft_matched) >= 1900)) || nt_fail "receiver matched $(nft_matched) of 2000 SYNs"
}

# Without XDP on the peer the veth drops every frame; pktgen says so from the
# sender's tx counter (BPF_PROG_RUN itself does not report it).
peer_without_xdp_is_reported() {
  local before after err
  veth_pair --no-xdp
  err=$(nt_tmpdir noxdp)/err
  before=$(rx_packets)
  pktgen --dst "$RX4" --count 1000 >/dev/null 2>"$err"
  after=$(rx_packets)
  # The count is the device's own: the kernel's own IPv6 traffic (router or
  # MLD solicitations) may add a frame or two.
  nt_assert_match 'warning: eth0 counted [0-9] of 1000 frames as transmitted' "$(cat "$err")" "warning"
  ((after - before < 10)) || nt_fail "receiver without XDP got $((after - before)) packets"
}

# Bad input: a non-zero exit and one line naming the problem.
bad_input_fails_with_one_line() {
  local err rc
  veth_pair
  err=$(nt_tmpdir bad)/err
  check() {
    local want=$1
    shift
    rc=0
    nt_exec tx "$PKTGEN" "$@" >/dev/null 2>"$err" || rc=$?
    ((rc != 0)) || nt_fail "pktgen $* succeeded"
    nt_assert_eq 1 "$(wc -l <"$err")" "lines of error from: pktgen $*"
    nt_assert_match "$want" "$(cat "$err")" "error from: pktgen $*"
  }
  check '^pktgen: --iface eth9: no such interface$' --iface eth9 --dst "$RX4"
  check '^pktgen: --dst is required$' --iface eth0
  check "^pktgen: --dst: '10.210.0.256' is not an IPv4 or IPv6 address$" --iface eth0 --dst 10.210.0.256
  check '^pktgen: --size 1515: more than eth0.s MTU' --iface eth0 --dst "$RX4" --size 1515
  check 'must both be IPv4 or both IPv6' --iface eth0 --dst "$RX6" --src "$TX4"
}

nt_init pktgen_veth
nt_require_root
nt_require_cmd ip nft python3
for f in "$PKTGEN" "$XDP_PASS"; do
  [[ -e $f ]] || nt_skip "missing $f: build the pktgen and xdp_pass_skel_gen targets"
done

nt_run udp_count_arrives
nt_run flows_vary_source_port
nt_run ipv6_tcp_vary_source_address
nt_run peer_without_xdp_is_reported
nt_run bad_input_fails_with_one_line
nt_done
