#!/usr/bin/env bash
# harness_selftest.sh - exercises netns-tests/lib/netns.sh for real: namespaces,
# veths, IPv4/IPv6, routing, servers, helpers, and that teardown leaves nothing
# behind after success, failure, SIGINT, SIGTERM and side-by-side runs.
#
#   sudo bash netns-tests/harness_selftest.sh        (exit 77 = skipped)
#
# Invoked with --child MODE STATE it is instead one of the child runs the
# cleanup scenarios start, fail, interrupt or kill.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
# shellcheck source=lib/netns.sh
source "$HERE/lib/netns.sh"

PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

A4=10.200.0.1 B4=10.200.0.2 A6=fd00:200::1 B6=fd00:200::2

# ---- child runs ------------------------------------------------------------------

# A small topology of every kind of object; what it made goes to $1 (key=value).
child_setup() {
  local state=$1 pins tmp
  nt_ns a >/dev/null
  nt_ns b >/dev/null
  nt_veth a eth0 b eth0
  nt_veth root up a up
  nt_addr a eth0 "$A4/24"
  nt_addr b eth0 "$B4/24"
  nt_bg b sleeper sleep 600
  pins=$(nt_pin_dir)
  tmp=$(nt_tmpdir scratch)
  nt_defer touch "$state.deferred"
  nt_ping a "$B4" || nt_fail "child: no ping"
  {
    echo "prefix=$NT_PREFIX"
    echo "pid=$$"
    echo "run_dir=$NT_RUN_DIR"
    echo "rootif=$(nt_if root up)"
    echo "bg_pid=$NT_LAST_PID"
    echo "bg_st=$(_nt_starttime "$NT_LAST_PID")"
    echo "pins=$pins"
    echo "tmp=$tmp"
  } >"$state.new"
  mv "$state.new" "$state"
}

child_main() {
  local mode=$1 state=$2
  nt_init "child-$mode"
  nt_require_root
  [[ $mode != skip ]] || nt_skip "on purpose"
  child_setup "$state"
  case $mode in
    fail) false ;; # set -e must end the run here
    nt_fail) nt_fail "on purpose" ;;
    sigint) nt_exec a sleep 600 ;; # Ctrl-C arrives while a foreground command runs
    sigterm | sigkill) while :; do nt_sleep 1; done ;;
    hold)
      nt_wait_until 60 test -e "$state.release" || nt_fail "never released"
      nt_ping a "$B4" || nt_fail "own topology broken while another run ran"
      ;;
    *) nt_fail "unknown child mode $mode" ;;
  esac
  nt_done
}

if [[ ${1-} == --child ]]; then
  child_main "$2" "$3"
  exit 1
fi

# ---- helpers for the cleanup scenarios ---------------------------------------------

declare -A S=()

# start_child MODE STATE [VAR=VALUE...] - child run in the background, in this
# run's process group (a Ctrl-C reaches it too), except the sigint child: that
# one gets its own session, so a SIGINT to its process group is what Ctrl-C in
# its terminal would be. env restores the SIGINT that bash ignores for
# background jobs. Sets CHILD to its PID.
start_child() {
  local mode=$1 state=$2 session=()
  shift 2
  [[ $mode != sigint ]] || session=(setsid)
  "${session[@]}" env --default-signal "$@" bash "$SELF" --child "$mode" "$state" \
    </dev/null >"$state.out" 2>"$state.err" &
  CHILD=$!
  # Whatever happens to this scenario (even an interrupt), the child goes too.
  nt_defer stop_child "$CHILD" "$(_nt_starttime "$CHILD")" "$state"
}

# stop_child PID STARTTIME STATE - SIGTERM a child run still alive (its whole
# process group, so a foreground command does not hold the trap back), give it
# 10 s to tear down, then remove whatever it left (killed or kept runs).
stop_child() {
  local k v prefix=
  if _nt_alive "$1" "$2"; then
    kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null
    nt_wait_until 10 child_gone "$1" "$2" || kill -KILL "$1" 2>/dev/null
  fi
  if [[ -s $3 ]]; then
    while IFS='=' read -r k v; do [[ $k != prefix ]] || prefix=$v; done <"$3"
    [[ -z $prefix ]] || bash "$HERE/lib/netns.sh" cleanup "$prefix"
  fi
  return 0
}

child_gone() { ! _nt_alive "$1" "$2"; }

# wait_child EXPECTED_RC STATE - reap CHILD, check its status.
wait_child() {
  local want=$1 state=$2 rc=0
  { wait "$CHILD" || rc=$?; } 2>/dev/null # no "Killed" notice from bash
  if [[ $rc != "$want" ]]; then
    cat "$state.err" >&2 || true
    nt_fail "child exited with $rc, expected $want"
  fi
}

load_state() {
  local k v
  nt_wait_until 30 test -s "$1" || { cat "$1.err" >&2; nt_fail "child never got ready"; }
  S=()
  while IFS='=' read -r k v; do S[$k]=$v; done <"$1"
}

count_ns() { ip netns list | grep -c "^$1-" || true; }
count_links() { ip -o link show | awk -F': ' -v p="$1" 'index($2, p) == 1' | wc -l; }

# Everything the child described in S is there.
assert_present() {
  local p=${S[prefix]}
  nt_assert_eq 2 "$(count_ns "$p")" "namespaces of $p"
  nt_assert_eq 1 "$(count_links "$p")" "root-namespace links of $p"
  nt_assert_ok _nt_alive "${S[bg_pid]}" "${S[bg_st]}"
  nt_assert_ok test -d "${S[pins]}"
  nt_assert_ok test -d "${S[run_dir]}"
}

# Nothing the child described in S is left.
assert_gone() {
  local p=${S[prefix]}
  nt_assert_eq 0 "$(count_ns "$p")" "namespaces of $p left behind"
  nt_assert_eq 0 "$(count_links "$p")" "links of $p left behind"
  nt_assert_fail _nt_alive "${S[bg_pid]}" "${S[bg_st]}"
  nt_assert_fail test -e "${S[pins]}"
  nt_assert_fail test -e "${S[run_dir]}"
  nt_assert_fail test -e "${S[tmp]}"
}

# ---- scenarios -------------------------------------------------------------------

# Two namespaces, one veth, IPv4 and IPv6, ping both ways.
veth_ping_v4_v6() {
  local a b
  a=$(nt_ns a)
  b=$(nt_ns b)
  nt_assert_eq "$NT_PREFIX-a" "$a" "full namespace name"
  nt_veth a eth0 b eth0 1400
  nt_addr a eth0 "$A4/24"
  nt_addr b eth0 "$B4/24"
  nt_addr a eth0 "$A6/64"
  nt_addr b eth0 "$B6/64"
  nt_assert_match 'mtu 1400' "$(nt_exec a ip link show dev eth0)" "MTU"
  nt_assert_ok nt_ping a "$B4" 2
  nt_assert_ok nt_ping b "$A4" 2
  nt_assert_ok nt_ping a "$B6" 2
  nt_assert_ok nt_ping b "$A6" 2
  nt_assert_fail nt_ping a 10.200.0.77 1 0.3
  nt_assert_match '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$(nt_mac b eth0)" "MAC"
}

# TCP and UDP servers in one namespace, reached from the other: http + curl, nc.
tcp_udp_servers() {
  local www out
  nt_ns a >/dev/null
  nt_ns b >/dev/null
  nt_veth a eth0 b eth0
  nt_addr a eth0 "$A4/24"
  nt_addr b eth0 "$B4/24"
  nt_addr a eth0 "$A6/64"
  nt_addr b eth0 "$B6/64"
  www=$(nt_tmpdir www)
  echo "hello from b" >"$www/hello.txt"
  nt_bg b http "$PY" -m http.server --bind :: --directory "$www" 8080
  nt_wait_port b 8080 || nt_fail "http server did not listen"
  out=$(nt_exec a curl -sS --max-time 5 "http://$B4:8080/hello.txt")
  nt_assert_eq "hello from b" "$out" "curl over IPv4"
  out=$(nt_exec a curl -gsS --max-time 5 "http://[$B6]:8080/hello.txt")
  nt_assert_eq "hello from b" "$out" "curl over IPv6"

  nt_bg b nc4 nc -l "$B4" 9000
  nt_bg b nc6 nc -l "$B6" 9001
  nt_wait_port b 9000
  nt_wait_port b 9001
  echo "over tcp4" | nt_exec a nc -N -w 3 "$B4" 9000
  echo "over tcp6" | nt_exec a nc -N -w 3 "$B6" 9001
  nt_wait_until 5 grep -q "over tcp4" "$(nt_bg_log nc4)" || nt_fail "nc did not receive over IPv4"
  nt_wait_until 5 grep -q "over tcp6" "$(nt_bg_log nc6)" || nt_fail "nc did not receive over IPv6"

  nt_bg b udp nc -u -l "$B4" 9002
  nt_wait_port b 9002 udp || nt_fail "udp listener not seen"
  nt_assert_fail nt_wait_port b 9003 udp 0.3
}

# client -- router -- server with forwarding and routes, v4 and v6, iperf3.
routed_three_namespaces() {
  local json
  nt_ns client >/dev/null
  nt_ns router --forward >/dev/null
  nt_ns server >/dev/null
  nt_veth client eth0 router eth0
  nt_veth router eth1 server eth0
  nt_addr client eth0 10.201.1.2/24
  nt_addr router eth0 10.201.1.1/24
  nt_addr router eth1 10.201.2.1/24
  nt_addr server eth0 10.201.2.2/24
  nt_addr client eth0 fd00:201:1::2/64
  nt_addr router eth0 fd00:201:1::1/64
  nt_addr router eth1 fd00:201:2::1/64
  nt_addr server eth0 fd00:201:2::2/64
  nt_route client default via 10.201.1.1
  nt_route server 10.201.1.0/24 via 10.201.2.1 dev eth0
  nt_route client default via fd00:201:1::1
  nt_route server fd00:201:1::/64 via fd00:201:2::1 dev eth0
  nt_assert_eq 1 "$(nt_sysctl router net.ipv4.ip_forward)" "router forwards IPv4"
  nt_assert_eq 0 "$(nt_sysctl client net.ipv4.ip_forward)" "client does not forward"
  nt_assert_ok nt_ping client 10.201.2.2
  nt_assert_ok nt_ping server 10.201.1.2
  nt_assert_ok nt_ping client fd00:201:2::2
  nt_assert_ok nt_ping server fd00:201:1::2
  nt_tx_off client eth0
  nt_tx_off server eth0
  nt_bg server iperf iperf3 -s -1 -p 5201
  nt_wait_port server 5201
  json=$(nt_exec client iperf3 -c 10.201.2.2 -p 5201 -t 1 -J)
  nt_assert_match '"bits_per_second":[[:space:]]*[1-9]' "$json" "iperf3 throughput"
}

# A veth with one end in the root namespace gets a unique, prefixed name.
root_end_veth() {
  local r r2 ll_root ll_ns
  nt_ns a >/dev/null
  nt_veth root up a eth0
  nt_veth root up2 a eth1
  r=$(nt_if root up)
  r2=$(nt_if root up2)
  nt_assert_match "^${NT_PREFIX}[0-9]+$" "$r" "root-side name"
  nt_assert_ne "$r" "$r2" "second root-side name"
  ((${#r} <= 15)) || nt_fail "name '$r' longer than 15"
  nt_assert_match 'state UP' "$(ip link show dev "$r")" "root end up"
  nt_assert_eq eth0 "$(nt_if a eth0)" "names inside a namespace are kept"
  ll() { _nt_ip "$1" -6 -o addr show dev "$2" scope link | awk '{ sub(/\/.*/, "", $4); print $4 }'; }
  nt_wait_until 5 test -n "$(ll root "$r")" || nt_fail "no link-local address on $r"
  nt_wait_until 5 test -n "$(ll a eth0)" || nt_fail "no link-local address on eth0"
  ll_root=$(ll root "$r")
  ll_ns=$(ll a eth0)
  nt_assert_ok nt_ping root "$ll_ns%$r"
  nt_assert_ok nt_ping a "$ll_root%eth0"
}

# Small helpers: waits, asserts, sysctl, tx off, nt_exec's /sys, bpffs, nt_bg_stop.
helpers() {
  local t0 ms pins
  t0=$(_nt_now_us)
  nt_assert_fail nt_wait_until 0.3 false
  ms=$((($(_nt_now_us) - t0) / 1000))
  ((ms >= 300 && ms < 3000)) || nt_fail "nt_wait_until 0.3 took ${ms}ms"
  nt_assert_ok nt_wait_until 1 true
  if (nt_assert_eq 1 2 2>/dev/null); then nt_fail "nt_assert_eq passed on 1 != 2"; fi
  if (nt_fail "x" 2>/dev/null); then nt_fail "nt_fail did not fail"; fi

  nt_ns a >/dev/null
  nt_veth a eth0 a peer0
  nt_sysctl a net.ipv4.conf.eth0.rp_filter 2
  nt_assert_eq 2 "$(nt_sysctl a net.ipv4.conf.eth0.rp_filter)" "sysctl inside the namespace"
  nt_assert_eq 0 "$(nt_sysctl a net/ipv6/conf/all/accept_dad)" "no DAD in test namespaces"
  nt_tx_off a eth0
  nt_assert_match 'tx-checksumming: off' "$(nt_exec a ethtool -k eth0)" "tx offload off"
  nt_assert_eq "eth0 lo peer0" "$(nt_exec a ls /sys/class/net | sort | xargs)" "/sys/class/net inside"

  pins=$(nt_pin_dir)
  nt_assert_eq bpf_fs "$(stat -f -c %T "$pins")" "pin dir on bpffs"
  nt_assert_eq bpf_fs "$(nt_exec a stat -f -c %T "$pins")" "pin dir seen from inside the namespace"
  if command -v bpftool >/dev/null; then
    nt_exec a bpftool map create "$pins/m" type array key 4 value 4 entries 1 name nt_selftest
    nt_assert_ok test -e "$pins/m" # pinned inside, alive outside
  else
    nt_log "bpftool not installed: pinning from inside not checked"
  fi

  nt_bg a sleeper sleep 600
  nt_assert_eq "$NT_LAST_PID" "$(nt_bg_pid sleeper)" "nt_bg_pid"
  nt_bg_stop sleeper INT # SIGINT must not be ignored by background processes
  nt_assert_eq "" "$(nt_bg_pid sleeper)" "stopped"
}

# A child run that fails (set -e, then nt_fail) leaves nothing behind.
cleanup_after_failure() {
  local st mode
  for mode in fail nt_fail; do
    st=$(nt_tmpdir "$mode")/state
    start_child "$mode" "$st"
    wait_child 1 "$st"
    load_state "$st"
    assert_gone
    nt_assert_ok test -e "$st.deferred"
    if [[ $mode == fail ]]; then
      nt_assert_match 'ERROR: harness_selftest.sh:[0-9]+: status 1 from: false' "$(cat "$st.err")" "error reported"
    else
      nt_assert_match 'FAIL: on purpose' "$(cat "$st.err")" "failure reported"
    fi
  done
}

# A child run interrupted by SIGINT (Ctrl-C) during a foreground command.
cleanup_after_sigint() {
  local st
  st=$(nt_tmpdir sigint)/state
  start_child sigint "$st"
  load_state "$st"
  assert_present
  sleep 0.3
  kill -INT -- "-$(ps -o pgid= -p "${S[pid]}" | tr -d ' ')"
  wait_child 130 "$st"
  assert_gone
  nt_assert_match 'caught SIGINT' "$(cat "$st.err")" "SIGINT reported"
}

# A child run killed with SIGTERM (kill PID).
cleanup_after_sigterm() {
  local st
  st=$(nt_tmpdir sigterm)/state
  start_child sigterm "$st"
  load_state "$st"
  kill -TERM "${S[pid]}"
  wait_child 143 "$st"
  assert_gone
}

# Two runs side by side with the same logical names and addresses do not
# collide, and tearing one down touches neither the other nor this run.
side_by_side_runs() {
  local d st1 st2 pid1 pid2 p1
  nt_ns mine >/dev/null
  nt_veth mine eth0 mine eth1
  d=$(nt_tmpdir pair)
  st1=$d/one
  st2=$d/two
  start_child hold "$st1"
  pid1=$CHILD
  start_child hold "$st2"
  pid2=$CHILD
  load_state "$st1"
  p1=${S[prefix]}
  assert_present
  load_state "$st2"
  assert_present
  nt_assert_ne "$p1" "${S[prefix]}" "run prefixes"
  touch "$st1.release"
  CHILD=$pid1 wait_child 0 "$st1"
  load_state "$st1"
  assert_gone
  load_state "$st2"
  assert_present # the other run is intact
  touch "$st2.release"
  CHILD=$pid2 wait_child 0 "$st2"
  assert_gone
  nt_assert_eq 1 "$(count_ns "$NT_PREFIX")" "this run's namespace survives"
  nt_assert_match 'state UP' "$(nt_exec mine ip link show dev eth0)" "this run's veth survives"
}

# NT_KEEP=1 leaves a failed run for inspection; `netns.sh cleanup` removes it.
keep_then_cleanup_cli() {
  local st
  st=$(nt_tmpdir keep)/state
  start_child fail "$st" NT_KEEP=1
  wait_child 1 "$st"
  load_state "$st"
  assert_present
  nt_assert_match "${S[prefix]} child-fail owner=[0-9]+ kept" "$(bash "$HERE/lib/netns.sh" list)" "list"
  bash "$HERE/lib/netns.sh" gc 2>/dev/null # must not collect a kept run
  assert_present
  bash "$HERE/lib/netns.sh" cleanup "${S[prefix]}"
  assert_gone
}

# A run killed with SIGKILL cannot clean up; `netns.sh gc` (and every later
# nt_init) collects it because its owner process is gone.
gc_after_sigkill() {
  local st
  st=$(nt_tmpdir sigkill)/state
  start_child sigkill "$st"
  load_state "$st"
  kill -KILL "${S[pid]}"
  wait_child 137 "$st"
  bash "$HERE/lib/netns.sh" gc 2>/dev/null
  assert_gone
}

# nt_skip and a non-root run end with status 77 and a loud SKIP line.
skip_is_loud() {
  local st d
  st=$(nt_tmpdir skip)/state
  start_child skip "$st"
  wait_child 77 "$st"
  nt_assert_match $'(^|\n)SKIP: on purpose(\n|$)' "$(cat "$st.err")" "SKIP line"
  if command -v setpriv >/dev/null; then
    d=$(nt_tmpdir nobody)
    chmod 1777 "$d"
    local rc=0
    setpriv --reuid=65534 --regid=65534 --clear-groups env --default-signal TMPDIR="$d" \
      bash "$SELF" </dev/null >"$d/out" 2>"$d/err" || rc=$?
    nt_assert_eq 77 "$rc" "exit status when not root"
    nt_assert_match 'SKIP: .*needs root' "$(cat "$d/err")" "non-root SKIP line"
    nt_assert_eq "" "$(find "$d" -name 'sluice-nt.*')" "non-root run left its state dir"
  else
    nt_log "setpriv missing: non-root skip not checked"
  fi
}

nt_init harness_selftest
nt_require_root
nt_require_cmd ip ss ethtool nsenter unshare setsid curl nc iperf3 "$PY"

nt_run veth_ping_v4_v6
nt_run tcp_udp_servers
nt_run routed_three_namespaces
nt_run root_end_veth
nt_run helpers
nt_run cleanup_after_failure
nt_run cleanup_after_sigint
nt_run cleanup_after_sigterm
nt_run side_by_side_runs
nt_run keep_then_cleanup_cli
nt_run gc_after_sigkill
nt_run skip_is_loud
nt_done
