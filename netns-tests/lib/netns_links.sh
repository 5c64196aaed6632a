# shellcheck shell=bash
# netns_links.sh - interfaces, addresses and routes inside namespaces (nt_veth,
# nt_addr, nt_route, ...) and reachability (nt_ping).
# Part of the netns test harness: sourced by netns.sh, never on its own.

# Allocate a unique root-namespace interface name for logical name IF.
_nt_root_ifname() {
  local n=0 real
  [[ ! -e $NT_RUN_DIR/rootif/$1 ]] || nt_fail "root interface '$1' already exists in this run"
  [[ -s $NT_RUN_DIR/counter ]] && n=$(<"$NT_RUN_DIR/counter")
  printf '%d\n' $((n + 1)) >"$NT_RUN_DIR/counter"
  real=$NT_PREFIX$n # 10 + up to 5 characters <= IFNAMSIZ-1
  ((${#real} <= 15)) || nt_fail "out of root interface names"
  printf '%s\n' "$real" >"$NT_RUN_DIR/rootif/$1"
  printf '%s\n' "$real"
}

# nt_if NS IF - real name of interface IF in NS (differs only in the root ns).
nt_if() {
  local ns
  ns=$(_nt_nsname "$1")
  if [[ -z $ns && -f $NT_RUN_DIR/rootif/$2 ]]; then
    cat "$NT_RUN_DIR/rootif/$2"
  else
    printf '%s\n' "$2"
  fi
}

# nt_veth NS_A IF_A NS_B IF_B [MTU] - veth pair, both ends up. Ends in a
# namespace keep their given names (created there directly, never in the
# root ns); an end in "root" gets a unique name: see nt_if.
nt_veth() {
  (($# >= 4)) || nt_fail "usage: nt_veth NS_A IF_A NS_B IF_B [MTU]"
  local ns_a ns_b a b mtu=${5-}
  ns_a=$(_nt_nsname "$1")
  ns_b=$(_nt_nsname "$3")
  [[ ${#2} -le 15 && ${#4} -le 15 ]] || nt_fail "interface names are limited to 15 characters"
  if [[ -z $ns_a ]]; then a=$(_nt_root_ifname "$2"); else a=$2; fi
  if [[ -z $ns_b ]]; then b=$(_nt_root_ifname "$4"); else b=$4; fi
  local side_a=(name "$a") side_b=(name "$b")
  [[ -n $ns_a ]] && side_a+=(netns "$ns_a")
  [[ -n $ns_b ]] && side_b+=(netns "$ns_b")
  ip link add "${side_a[@]}" type veth peer "${side_b[@]}" ||
    nt_fail "cannot create veth $1:$2 <-> $3:$4"
  local end ns dev
  for end in "$1 $a" "$3 $b"; do
    read -r ns dev <<<"$end"
    if [[ -z $(_nt_nsname "$ns") ]]; then
      # our own root interface: no DAD so link-local works at once
      printf '0\n' >"/proc/sys/net/ipv6/conf/$dev/accept_dad" 2>/dev/null || true
    fi
    [[ -z $mtu ]] || _nt_ip "$ns" link set dev "$dev" mtu "$mtu"
    _nt_ip "$ns" link set dev "$dev" up
  done
}

# nt_addr NS IF CIDR - add an IPv4 or IPv6 address (IPv6 with nodad).
nt_addr() {
  local dev
  dev=$(nt_if "$1" "$2")
  if [[ $3 == *:* ]]; then
    _nt_ip "$1" -6 addr add "$3" dev "$dev" nodad
  else
    _nt_ip "$1" addr add "$3" dev "$dev"
  fi
}

# nt_route NS PREFIX [via GW] [dev IF] [more ip-route args] - add a route.
nt_route() {
  local ns=$1 prefix=$2 fam=-4 args=() a
  shift 2
  [[ $prefix == *:* ]] && fam=-6
  while (($#)); do
    a=$1
    shift
    [[ $a == *:* ]] && fam=-6
    if [[ $a == dev && $# -gt 0 ]]; then
      args+=(dev "$(nt_if "$ns" "$1")")
      shift
    else
      args+=("$a")
    fi
  done
  _nt_ip "$ns" "$fam" route add "$prefix" "${args[@]}"
}

# nt_tx_off NS IF - disable tx checksum offload (veth would hand XDP partial checksums).
nt_tx_off() {
  _nt_net "$1" ethtool -K "$(nt_if "$1" "$2")" tx off >/dev/null
}

# nt_mac NS IF - print the MAC address.
nt_mac() {
  _nt_ip "$1" -br link show dev "$(nt_if "$1" "$2")" | awk '{ print $3 }'
}

# nt_ping NS DST [COUNT=1] [TIMEOUT_S=2] - ICMP echo (v4/v6, "fe80::1%IF" ok);
# succeeds if any reply arrives. Uses iputils ping if installed, else python3.
nt_ping() {
  local count=${3:-1} timeout=${4:-2} py
  if command -v ping >/dev/null 2>&1; then
    _nt_net "$1" ping -q -c "$count" -i 0.2 -W "$timeout" "$2" >/dev/null
  else
    py=/usr/bin/python3
    [[ -x $py ]] || py=python3
    _nt_net "$1" "$py" -c "$_NT_PING_PY" "$2" "$count" "$timeout" >/dev/null
  fi
}

# Fallback ICMP echo (iputils ping is not always installed). argv: DST COUNT TIMEOUT.
_NT_PING_PY='
import os, select, socket, struct, sys, time
dst, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
fam, _, _, _, sa = socket.getaddrinfo(dst, None, 0, socket.SOCK_DGRAM)[0]
v4 = fam == socket.AF_INET
s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMP if v4 else socket.IPPROTO_ICMPV6)
req, rep = (8, 0) if v4 else (128, 129)
ident = os.getpid() & 0xFFFF
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF); s += s >> 16
    return ~s & 0xFFFF
got = 0
for seq in range(1, count + 1):
    body = b"sluice-netns-test"
    pkt = struct.pack("!BBHHH", req, 0, 0, ident, seq) + body
    if v4: pkt = pkt[:2] + struct.pack("!H", csum(pkt)) + pkt[4:]
    s.sendto(pkt, sa)
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]: break
        data = s.recv(65535)
        if v4: data = data[(data[0] & 15) * 4:]
        if len(data) < 8: continue
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
        if (typ, rid, rseq) == (rep, ident, seq):
            got += 1; break
print("%s: %d/%d echo replies" % (dst, got, count))
sys.exit(0 if got else 1)'
