#!/usr/bin/env bash
# tools/pktgen on a veth pair, in both ways of sending (live frames, where
# this kernel allows them, and AF_PACKET): what it says it sent arrives,
# --flows and --vary make distinct flows, a peer without XDP is reported in
# live-frames mode, auto mode falls back, bad input fails with one line.
# See docs/pktgen.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
: "${SLUICE_BUILD_DIR:=$here/../build}"

PKTGEN=$SLUICE_BUILD_DIR/tools/pktgen/pktgen
REFUSE_PROG_RUN=$SLUICE_BUILD_DIR/tools/pktgen/refuse_prog_run
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

# Why this kernel refuses live frames (empty when it allows them): pktgen's
# own probe (one frame, dropped by the probe program), on a veth pair in a
# namespace of its own.
live_frames_refused() {
  local err
  nt_ns probe >/dev/null
  nt_exec probe ip link add p0 type veth peer p1
  nt_exec probe ip link set p0 up
  nt_exec probe ip link set p1 up
  err=$(nt_exec probe "$PKTGEN" --mode live --iface p0 --dst 10.210.9.1 --src 10.210.9.2 \
    --count 1 2>&1 >/dev/null) || true
  sed -n 's/^pktgen: \(live frames \(refused\|unsupported\).*\)/\1/p' <<<"$err"
}

# skip_without MODE - skip (77) a live-frames scenario where the kernel refuses it.
skip_without() {
  [[ $1 == live && -n $LIVE_REFUSED ]] && nt_skip "$LIVE_REFUSED (this kernel)"
  return 0
}

# 100000 64-byte UDP frames, sent at full speed in MODE, reach the receiver.
udp_count_arrives() {
  local mode=$1 before after out
  skip_without "$mode"
  veth_pair
  before=$(rx_packets)
  out=$(pktgen --mode "$mode" --dst "$RX4" --dst-mac "$(nt_mac rx eth0)" --count 100000)
  after=$(rx_packets)
  nt_log "pktgen: ${out//$'\n'/; }"
  nt_assert_match "^sent 100000 packets in [0-9.]+ s: [0-9]+ packets/s \\($mode\\)" "$out" "summary"
  nt_assert_match 'eth0 tx_packets \+' "$out" "tx counter line"
  ((after - before >= 95000)) || nt_fail "receiver counted $((after - before)) of 100000 packets"
}

# --flows 16 gives 16 source ports, sport .. sport+15, each seen at the receiver.
flows_vary_source_port() {
  local mode=$1 ports
  skip_without "$mode"
  veth_pair
  nft_watch inet_service 'udp sport' 'udp dport 9000'
  pktgen --mode "$mode" --dst "$RX4" --flows 16 --sport 20000 --count 1600 >/dev/null
  ports=$(nft_seen | xargs)
  nt_assert_eq "$(seq -s ' ' 20000 20015)" "$ports" "source ports seen"
  (($(nft_matched) >= 1520)) || nt_fail "receiver matched $(nft_matched) of 1600 packets"
}

# IPv6 TCP SYNs with --vary src-ip: 4 source addresses, paced by --rate.
ipv6_tcp_vary_source_address() {
  local mode=$1 addrs
  skip_without "$mode"
  veth_pair
  nft_watch ipv6_addr 'ip6 saddr' 'tcp dport 80 tcp flags == syn'
  pktgen --mode "$mode" --dst "$RX6" --proto tcp --dport 80 --size 128 --vary src-ip --flows 4 \
    --src fd00:210::10 --count 2000 --rate 20000 >/dev/null
  addrs=$(nft_seen | xargs)
  nt_assert_eq "fd00:210::10 fd00:210::11 fd00:210::12 fd00:210::13" "$addrs" "source addresses seen"
  (($(nft_matched) >= 1900)) || nt_fail "receiver matched $(nft_matched) of 2000 SYNs"
}

# Without XDP on the peer the veth drops every live frame; pktgen says so
# from the sender's tx counter (BPF_PROG_RUN itself does not report it).
peer_without_xdp_is_reported() {
  local before after err
  skip_without live
  veth_pair --no-xdp
  err=$(nt_tmpdir noxdp)/err
  before=$(rx_packets)
  pktgen --mode live --dst "$RX4" --count 1000 >/dev/null 2>"$err"
  after=$(rx_packets)
  # The count is the device's own: the kernel's own IPv6 traffic (router or
  # MLD solicitations) may add a frame or two.
  nt_assert_match 'warning: eth0 counted [0-9] of 1000 frames as transmitted' "$(cat "$err")" "warning"
  ((after - before < 10)) || nt_fail "receiver without XDP got $((after - before)) packets"
}

# Auto mode sends with live frames where the kernel allows them, and frames
# too large for a live frame (a page) with AF_PACKET.
auto_mode_prefers_live_frames() {
  local out
  skip_without live
  veth_pair
  out=$(pktgen --dst "$RX4" --count 1000)
  nt_assert_match '\(live\)$' "$(head -1 <<<"$out")" "mode in the summary"
  # A veth whose peer runs XDP keeps its MTU under a page; AF_PACKET needs no XDP.
  nt_exec rx ip link set dev eth0 xdpdrv off
  nt_exec tx ip link set dev eth0 mtu 9000
  nt_exec rx ip link set dev eth0 mtu 9000
  out=$(pktgen --dst "$RX4" --size 9014 --count 100 2>/dev/null)
  nt_assert_match '\(afpacket\)$' "$(head -1 <<<"$out")" "mode for a 9014-byte frame"
  nt_assert_match 'eth0 tx_packets \+100$' "$out" "9014-byte frames the peer took"
}

# Where the kernel refuses BPF_PROG_RUN (here made to, by a seccomp filter),
# auto mode says so in one note and sends with AF_PACKET, which needs no XDP
# on the peer; --mode live fails with one line.
refused_live_frames_fall_back_to_af_packet() {
  local out err rc=0
  veth_pair --no-xdp
  err=$(nt_tmpdir refused)/err
  out=$(nt_exec tx "$REFUSE_PROG_RUN" "$PKTGEN" --iface eth0 --dst "$RX4" --count 1000 2>"$err")
  nt_assert_match '\(afpacket\)$' "$(head -1 <<<"$out")" "mode in the summary"
  nt_assert_eq "pktgen: note: live frames refused: BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: Operation not permitted; sending with AF_PACKET instead" \
    "$(cat "$err")" "fallback note"
  nt_assert_match 'eth0 tx_packets \+1000$' "$out" "frames the peer took"
  nt_exec tx "$REFUSE_PROG_RUN" "$PKTGEN" --iface eth0 --dst "$RX4" --count 1 --mode live \
    >/dev/null 2>"$err" || rc=$?
  nt_assert_eq 1 "$rc" "exit status of --mode live"
  nt_assert_eq "pktgen: live frames refused: BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: Operation not permitted" \
    "$(cat "$err")" "error of --mode live"
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
  check "^pktgen: --mode: 'xdp' is not auto, live or afpacket$" --iface eth0 --dst "$RX4" --mode xdp
}

nt_init pktgen_veth
nt_require_root
nt_require_cmd ip nft python3
for f in "$PKTGEN" "$REFUSE_PROG_RUN" "$XDP_PASS"; do
  [[ -e $f ]] || nt_skip "missing $f: build the pktgen, refuse_prog_run and xdp_pass_skel_gen targets"
done

LIVE_REFUSED=$(live_frames_refused)
[[ -z $LIVE_REFUSED ]] || nt_log "this kernel refuses live frames: $LIVE_REFUSED"
for mode in live afpacket; do
  nt_run udp_count_arrives "$mode"
  nt_run flows_vary_source_port "$mode"
  nt_run ipv6_tcp_vary_source_address "$mode"
done
nt_run peer_without_xdp_is_reported
nt_run auto_mode_prefers_live_frames
nt_run refused_live_frames_fall_back_to_af_packet
nt_run bad_input_fails_with_one_line
nt_done
