# shellcheck shell=bash
# netns.sh - network-namespace test harness for Sluice end-to-end tests.
#
# Source it from a scenario script (which sets `set -euo pipefail` itself):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"
#   nt_init my_test; nt_require_root; nt_require_cmd curl
#   scenario_x() { local c; c=$(nt_ns client); ...; }
#   nt_run scenario_x
#   nt_done
#
# Every namespace, root-namespace interface, pin dir and log dir a run creates
# carries the run's prefix "nt" + 8 hex digits (6 from the PID, 2 random), so
# runs never collide and teardown only ever touches its own objects. Teardown
# runs from the EXIT trap (also on failure, SIGINT, SIGTERM) and is idempotent.
# See docs/testing-netns.md. Executed directly, this file is a small CLI:
#   netns.sh list | gc | cleanup PREFIX

# ---- state -------------------------------------------------------------------
NT_PREFIX=${NT_PREFIX-}        # nt<6 hex pid><2 hex random>, set by nt_init
NT_RUN_DIR=${NT_RUN_DIR-}      # per-run state and logs
NT_NAME=${NT_NAME-}            # script name given to nt_init
NT_LAST_PID=${NT_LAST_PID-}    # PID of the last nt_bg process
NT_BPFFS=${NT_BPFFS:-/sys/fs/bpf}
NT_STATE_ROOT=${NT_STATE_ROOT:-/run/sluice-nt}
NT_POLL=${NT_POLL:-0.1}        # poll interval of nt_wait_until
_NT_MAIN_PID=
_NT_TORN_DOWN=0
_NT_INTERRUPTED=0
_NT_PASSED=0
_NT_FAILED=0
_NT_SKIPPED=0
_NT_FAILED_NAMES=()
_NT_T0=${EPOCHREALTIME:-0.0}
_NT_T0=${_NT_T0//[.,]/}
_NT_SELF=${BASH_SOURCE[0]}

# Command run as `bash -c` inside the target netns (after nsenter --net and
# unshare --mount): like `ip netns exec` it mounts a sysfs for the namespace so
# /sys/class/net is right, but unlike it, it carries the host's bpffs over to
# /sys/fs/bpf, so pins made inside (lbd) are visible outside and survive the
# process. $1 is an empty stash directory, $2 a file to write the PID to right
# before the exec (nt_bg; "" for none), the rest is the command.
# shellcheck disable=SC2016  # expanded by the inner bash
_NT_EXEC_SNIPPET='
stash=$1; pidfile=$2; shift 2
bpf=0
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; then
  mount --rbind /sys/fs/bpf "$stash" && bpf=1
fi
umount -l /sys && mount -t sysfs sysfs /sys || { echo "nt_exec: cannot remount /sys" >&2; exit 126; }
if [ "$bpf" = 1 ]; then
  mount --move "$stash" /sys/fs/bpf || echo "nt_exec: cannot carry bpffs into the namespace" >&2
fi
if [ -n "$pidfile" ]; then printf "%s\n" "$$" >"$pidfile"; fi
exec "$@"'

# The same for the root namespace and NT_EXEC_MODE=ipnetns: $1 PID file, rest command.
# shellcheck disable=SC2016
_NT_PID_SNIPPET='if [ -n "$1" ]; then printf "%s\n" "$$" >"$1"; fi; shift; exec "$@"'

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

# ---- logging and assertions ---------------------------------------------------------------

# Microseconds since the epoch (EPOCHREALTIME uses the locale's decimal point).
_nt_now_us() {
  local t=${EPOCHREALTIME:-0.0}
  printf '%s\n' "${t//[.,]/}"
}

# nt_log MSG... - timestamped line on stderr.
nt_log() {
  local now ms
  now=$(_nt_now_us)
  ms=$(((now - _NT_T0) / 1000))
  printf '[%s +%d.%03ds] %s\n' "${NT_NAME:-nt}" $((ms / 1000)) $((ms % 1000)) "$*" >&2
}

# Prints the shell call stack (skipping N frames) on stderr.
_nt_stack() {
  local i skip=${1:-1}
  for ((i = skip; i < ${#FUNCNAME[@]}; i++)); do
    [[ ${FUNCNAME[i]} == main || ${FUNCNAME[i]} == source ]] && break
    printf '    at %s (%s:%s)\n' "${FUNCNAME[i]}" "${BASH_SOURCE[i]##*/}" "${BASH_LINENO[i - 1]}" >&2
  done
}

# nt_fail MSG... - print "FAIL: MSG" with the call stack and exit 1.
nt_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  _nt_stack 2
  exit 1
}

# nt_skip WHY... - print "SKIP: WHY" on stderr and exit 77 (ctest SKIP_RETURN_CODE).
nt_skip() {
  printf 'SKIP: %s\n' "$*" >&2
  exit 77
}

# nt_assert_eq EXPECTED ACTUAL [WHAT]
nt_assert_eq() {
  [[ $1 == "$2" ]] || nt_fail "${3:-values differ}: expected '$1', got '$2'"
}

# nt_assert_ne UNEXPECTED ACTUAL [WHAT]
nt_assert_ne() {
  [[ $1 != "$2" ]] || nt_fail "${3:-values equal}: did not expect '$2'"
}

# nt_assert_match REGEX ACTUAL [WHAT] - bash regex (=~) match.
nt_assert_match() {
  [[ $2 =~ $1 ]] || nt_fail "${3:-no match}: '$2' does not match /$1/"
}

# nt_assert_ok CMD... - CMD must succeed.
nt_assert_ok() {
  local rc=0
  "$@" || rc=$?
  ((rc == 0)) || nt_fail "command failed (rc=$rc): $*"
}

# nt_assert_fail CMD... - CMD must fail.
nt_assert_fail() {
  if "$@"; then nt_fail "command succeeded but should have failed: $*"; fi
}

# ---- requirements ---------------------------------------------------------------

# nt_require_root - skip (77) unless running as root.
nt_require_root() {
  ((EUID == 0)) || nt_skip "${NT_NAME:-test} needs root (uid $EUID)"
}

# nt_require_cmd CMD... - skip (77) naming the Debian package if a command is missing.
nt_require_cmd() {
  local c pkg
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 && continue
    case $c in
      ip | ss | tc) pkg=iproute2 ;;
      nc) pkg=netcat-openbsd ;;
      ping) pkg=iputils-ping ;;
      nft) pkg=nftables ;;
      nsenter | unshare | setsid | setpriv | mountpoint) pkg=util-linux ;;
      *) pkg=$c ;;
    esac
    nt_skip "missing command '$c' (Debian package: $pkg)"
  done
}

# ---- run lifecycle -----------------------------------------------------------------

_nt_starttime() { # PID -> kernel start time (field 22 of /proc/PID/stat), empty if gone
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  # shellcheck disable=SC2086  # split the fields on purpose
  set -- $stat
  [[ $1 == Z || $1 == X ]] && return 0 # a zombie has finished
  printf '%s\n' "${20}"
}

_nt_alive() { # PID STARTTIME -> is that very process still there?
  [[ -n $1 && -n $2 && $(_nt_starttime "$1") == "$2" ]]
}

# nt_init NAME - start a run: prefix, state dir, traps (EXIT INT TERM ERR).
nt_init() {
  [[ -z $_NT_MAIN_PID ]] || nt_fail "nt_init called twice"
  NT_NAME=${1:-${0##*/}}
  NT_NAME=${NT_NAME%.sh}
  _NT_MAIN_PID=$BASHPID
  _NT_T0=$(_nt_now_us)
  set -o errtrace
  shopt -s inherit_errexit
  trap '_nt_on_exit' EXIT
  trap '_nt_on_signal INT 130' INT
  trap '_nt_on_signal TERM 143' TERM
  trap '_nt_on_err "$?" "$LINENO" "$BASH_COMMAND"' ERR

  local try pid_hex
  pid_hex=$(printf '%06x' "$BASHPID")
  if ((EUID == 0)) && mkdir -p "$NT_STATE_ROOT" 2>/dev/null; then
    for try in 1 2 3 4 5 6 7 8; do
      NT_PREFIX=nt${pid_hex: -6}$(printf '%02x' $((RANDOM % 256)))
      # A leftover of a killed run with the same prefix would be torn down
      # with ours: pick another one in that case.
      if compgen -G "/run/netns/$NT_PREFIX-*" >/dev/null ||
        ip -o link show 2>/dev/null | grep -q "^[0-9]*: $NT_PREFIX"; then
        continue
      fi
      NT_RUN_DIR=$NT_STATE_ROOT/$NT_PREFIX
      mkdir -m 0755 "$NT_RUN_DIR" 2>/dev/null && break # atomic: the lock
      NT_PREFIX= NT_RUN_DIR=
    done
    [[ -n $NT_PREFIX ]] || nt_fail "could not allocate a unique run prefix"
  else
    NT_PREFIX=nt${pid_hex: -6}$(printf '%02x' $((RANDOM % 256)))
    NT_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-nt.XXXXXX")
  fi
  mkdir -p "$NT_RUN_DIR"/{logs,bg,rootif,tmp,stash}
  printf '%s\n' "$NT_NAME" >"$NT_RUN_DIR/name"
  # written atomically: a concurrent gc must never read a half-written owner
  local me=$BASHPID # (inside $(...) BASHPID would be the subshell's)
  printf '%s %s\n' "$me" "$(_nt_starttime "$me")" >"$NT_RUN_DIR/owner.new"
  mv -f "$NT_RUN_DIR/owner.new" "$NT_RUN_DIR/owner"
  ((EUID != 0)) || [[ -n ${NT_NO_GC-} ]] || _nt_gc quiet
  nt_log "run $NT_PREFIX (state in $NT_RUN_DIR)"
}

_nt_on_err() { # RC LINE CMD - report where set -e is about to exit.
  [[ $- == *e* ]] || return 0
  # Name the first place outside this library: that is the line to look at.
  local i src=${BASH_SOURCE[1]-?} line=$2
  for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
    [[ ${BASH_SOURCE[i]} != "$_NT_SELF" ]] || continue
    src=${BASH_SOURCE[i]}
    ((i == 1)) || line=${BASH_LINENO[i - 1]}
    break
  done
  printf 'ERROR: %s:%s: status %s from: %s\n' "${src##*/}" "$line" "$1" "$3" >&2
  _nt_stack 2
}

_nt_on_signal() { # SIG CODE
  trap '' INT TERM
  _NT_INTERRUPTED=1
  nt_log "caught SIG$1, tearing down"
  exit "$2"
}

_nt_on_exit() {
  local rc=$?
  [[ $BASHPID == "$_NT_MAIN_PID" ]] || return "$rc"
  trap '' INT TERM
  trap - ERR
  set +e
  if ((rc != 0 && rc != 77)); then
    _nt_dump_logs
    nt_log "exiting with status $rc"
  fi
  if [[ -n ${NT_KEEP-} ]] && ((rc != 0 && rc != 77 && !_NT_INTERRUPTED)); then
    : >"$NT_RUN_DIR/keep"
    nt_log "NT_KEEP set: leaving run $NT_PREFIX in place; clean up with: bash $_NT_SELF cleanup $NT_PREFIX"
  else
    nt_teardown
  fi
  exit "$rc"
}

# Tail of every background log, for the failure report.
_nt_dump_logs() {
  local f
  [[ -d $NT_RUN_DIR/logs ]] || return 0
  for f in "$NT_RUN_DIR"/logs/*.log; do
    [[ -s $f ]] || continue
    printf -- '--- last lines of %s ---\n' "${f##*/}" >&2
    tail -n 20 "$f" >&2
  done
}

# nt_teardown - remove everything of this run (idempotent; the EXIT trap calls it).
nt_teardown() {
  ((_NT_TORN_DOWN == 0)) || return 0
  [[ -n $NT_PREFIX ]] || return 0
  _NT_TORN_DOWN=1
  local jobs_left
  jobs_left=$(jobs -p) || true
  # shellcheck disable=SC2086
  [[ -z $jobs_left ]] || { _nt_kill_pids $jobs_left; wait 2>/dev/null || true; }
  _nt_cleanup_run "$NT_PREFIX" "$NT_RUN_DIR"
  _nt_rm_run_dir "$NT_RUN_DIR" || true
  return 0
}

_nt_rm_run_dir() {
  case $1 in
    "$NT_STATE_ROOT"/nt* | "${TMPDIR:-/tmp}"/sluice-nt.*) rm -rf -- "$1" ;;
  esac
}

# Kill PIDs (TERM, then KILL after ~2s). Args: PID...
_nt_kill_pids() {
  local p i left
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    left=0
    for p in "$@"; do
      if [[ -n $(_nt_starttime "$p") ]]; then left=1; fi # zombies count as gone
    done
    ((left)) || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
  return 0
}

# Stop every object carrying PREFIX; RUN is that run's state dir (may be gone).
# Best effort and quiet: runs in a subshell without errexit, always succeeds.
_nt_cleanup_run() {
  (
    set +e
    _nt_cleanup_run_body "$@"
  )
  return 0
}

_nt_cleanup_run_body() {
  local prefix=$1 run=$2 f pid st ns dev line
  [[ $prefix =~ ^nt[0-9a-f]{8}$ ]] || return 0
  # 1. deferred commands, last registered first
  if [[ -s $run/defer ]]; then
    while IFS= read -r line; do
      eval "$line" || nt_log "deferred command failed: $line"
    done < <(tac "$run/defer")
    : >"$run/defer"
  fi
  # 2. background processes (each is a session leader: kill its process group)
  local pids=()
  for f in "$run"/bg/*.pid; do
    [[ -f $f ]] || continue
    read -r pid st <"$f" || true
    if _nt_alive "$pid" "$st"; then
      kill -TERM -- "-$pid" 2>/dev/null
      pids+=("$pid")
    fi
    rm -f -- "$f"
  done
  _nt_kill_pids "${pids[@]}"
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  # 3. whatever still runs inside our namespaces, then the namespaces
  local nss=()
  for ns in /run/netns/"$prefix"-*; do
    [[ -e $ns ]] && nss+=("${ns##*/}")
  done
  pids=()
  for ns in "${nss[@]}"; do
    # shellcheck disable=SC2207
    pids+=($(ip netns pids "$ns" 2>/dev/null))
  done
  _nt_kill_pids "${pids[@]}"
  while read -r dev; do
    ip link del dev "$dev" 2>/dev/null
  done < <(ip -o link show 2>/dev/null | awk -F': ' -v p="$prefix" 'index($2, p) == 1 { sub(/@.*/, "", $2); print $2 }')
  for ns in "${nss[@]}"; do
    ip netns del "$ns" 2>/dev/null || nt_log "could not delete netns $ns"
  done
  # 4. bpffs pin dirs
  for f in "$NT_BPFFS"/"$prefix"*; do
    [[ -e $f ]] && rm -rf -- "$f"
  done
  # 5. per-scenario state: root interface names, temp dirs, logs
  [[ -d $run ]] && rm -rf -- "$run"/rootif/* "$run"/tmp/* "$run"/logs/*
  return 0
}

# Tear down runs whose owner process is gone (killed with SIGKILL, e.g. a ctest
# timeout) unless they were kept with NT_KEEP. "quiet" logs only what it removes.
_nt_gc() {
  (
    set +e
    _nt_gc_body "$@"
  )
  return 0
}

_nt_gc_body() {
  local d owner st prefix
  for d in "$NT_STATE_ROOT"/nt*; do
    [[ -d $d ]] || continue
    prefix=${d##*/}
    [[ $prefix != "$NT_PREFIX" ]] || continue
    if [[ ! -f $d/owner ]]; then
      # nt_init writes the owner right after creating the dir; a dir still
      # without one a minute later belongs to a run killed in between.
      if [[ -n $(find "$d" -maxdepth 0 -mmin +1) ]]; then
        _nt_cleanup_run "$prefix" "$d"
        rm -rf -- "$d"
      fi
      continue
    fi
    [[ ! -e $d/keep ]] || continue
    read -r owner st <"$d/owner" || continue
    [[ $owner =~ ^[0-9]+$ && -n $st ]] || continue
    _nt_alive "$owner" "$st" && continue
    nt_log "collecting stale run $prefix ($(cat "$d/name" 2>/dev/null), pid $owner gone)"
    _nt_cleanup_run "$prefix" "$d"
    rm -rf -- "$d"
  done
  [[ ${1-} == quiet ]] || nt_log "gc done"
}

# nt_defer CMD... - run CMD at teardown (or at the end of the nt_run scenario), LIFO.
nt_defer() {
  local q
  printf -v q '%q ' "$@"
  printf '%s\n' "$q" >>"$NT_RUN_DIR/defer"
}

# nt_tmpdir [NAME] - print a fresh directory removed at teardown.
nt_tmpdir() {
  mktemp -d "$NT_RUN_DIR/tmp/${1:-tmp}.XXXXXX"
}

# ---- scenarios -----------------------------------------------------------------

# nt_run FUNC [ARGS...] - run one scenario function in a subshell with set -e,
# count PASS/FAIL/SKIP, then remove everything it created.
nt_run() {
  local fn=$1 rc=0 t0 errexit=0 ms
  t0=$(_nt_now_us)
  [[ $- == *e* ]] && errexit=1
  nt_log "=== RUN  $fn"
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  ((errexit)) && set -e
  ((rc == 0 || rc == 77)) || _nt_dump_logs
  _nt_cleanup_run "$NT_PREFIX" "$NT_RUN_DIR"
  ms=$((($(_nt_now_us) - t0) / 1000))
  case $rc in
    0) _NT_PASSED=$((_NT_PASSED + 1)); nt_log "--- PASS $fn (${ms}ms)" ;;
    77) _NT_SKIPPED=$((_NT_SKIPPED + 1)); nt_log "--- SKIP $fn" ;;
    *) _NT_FAILED=$((_NT_FAILED + 1)); _NT_FAILED_NAMES+=("$fn"); nt_log "--- FAIL $fn (status $rc, ${ms}ms)" ;;
  esac
  return 0
}

# nt_done - print "NAME: N passed, N failed, N skipped" and exit
# (1 if anything failed, 77 if everything was skipped, else 0).
nt_done() {
  if ((_NT_PASSED + _NT_FAILED + _NT_SKIPPED == 0)); then
    _NT_PASSED=1 # a script without nt_run that reached its end
  fi
  ((_NT_FAILED == 0)) || nt_log "failed: ${_NT_FAILED_NAMES[*]}"
  printf '%s: %d passed, %d failed, %d skipped\n' "${NT_NAME:-netns}" "$_NT_PASSED" "$_NT_FAILED" "$_NT_SKIPPED"
  ((_NT_FAILED == 0)) || exit 1
  ((_NT_PASSED > 0 || _NT_SKIPPED == 0)) || exit 77
  exit 0
}

# ---- namespaces and links -------------------------------------------------------

# Full netns name for a logical name; empty for the root namespace ("root").
_nt_nsname() {
  case $1 in
    root | '') printf '' ;;
    "$NT_PREFIX"-*) printf '%s' "$1" ;;
    *) printf '%s-%s' "$NT_PREFIX" "$1" ;;
  esac
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

# `ip` in the namespace NS.
_nt_ip() {
  local ns
  ns=$(_nt_nsname "$1")
  shift
  if [[ -n $ns ]]; then ip -n "$ns" "$@"; else ip "$@"; fi
}

# Command in NS with only the network namespace switched (cheap; /sys is the host's).
_nt_net() {
  local ns
  ns=$(_nt_nsname "$1")
  shift
  if [[ -n $ns ]]; then nsenter --net="/run/netns/$ns" -- "$@"; else "$@"; fi
}

# Sets _NT_ARGV to the prefix that runs a command inside NS (see
# _NT_EXEC_SNIPPET); with PIDFILE the final PID is written there just before
# the command is exec'd (every step is an exec: the PID never changes).
_nt_exec_argv() {
  local ns pidfile=${2-}
  ns=$(_nt_nsname "$1")
  if [[ -z $ns ]]; then
    _NT_ARGV=()
    [[ -z $pidfile ]] || _NT_ARGV=(bash -c "$_NT_PID_SNIPPET" nt-exec "$pidfile")
  elif [[ ${NT_EXEC_MODE-} == ipnetns ]]; then
    _NT_ARGV=(ip netns exec "$ns" bash -c "$_NT_PID_SNIPPET" nt-exec "$pidfile")
  else
    [[ -e /run/netns/$ns ]] || nt_fail "no such namespace: $1"
    _NT_ARGV=(nsenter "--net=/run/netns/$ns" -- unshare --mount --propagation slave --
      bash -c "$_NT_EXEC_SNIPPET" nt-exec "$NT_RUN_DIR/stash" "$pidfile")
  fi
}

# nt_exec NS CMD... - run CMD in NS ("root" = the root ns). Like `ip netns exec`
# (own /sys for the namespace) but /sys/fs/bpf is the host's bpffs.
nt_exec() {
  local _NT_ARGV
  _nt_exec_argv "$1"
  shift
  "${_NT_ARGV[@]}" "$@"
}

# nt_ns NAME [--forward] - create namespace NAME, bring lo up, no IPv6 DAD;
# --forward enables IPv4/IPv6 forwarding. Prints the full name.
nt_ns() {
  local name=$1 full
  [[ $name =~ ^[A-Za-z0-9_.-]{1,40}$ && $name != root ]] || nt_fail "bad namespace name '$name'"
  [[ -n $NT_PREFIX ]] || nt_fail "nt_ns before nt_init"
  full=$(_nt_nsname "$name")
  ip netns add "$full" || nt_fail "cannot create netns $full"
  ip -n "$full" link set lo up
  nt_sysctl "$full" net.ipv6.conf.all.accept_dad 0
  nt_sysctl "$full" net.ipv6.conf.default.accept_dad 0
  if [[ ${2-} == --forward ]]; then
    nt_sysctl "$full" net.ipv4.ip_forward 1
    nt_sysctl "$full" net.ipv6.conf.all.forwarding 1
  elif [[ -n ${2-} ]]; then
    nt_fail "nt_ns: unknown option '$2'"
  fi
  printf '%s\n' "$full"
}

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

# nt_sysctl NS KEY [VALUE] - set (or print) a sysctl inside NS. KEY is
# dotted (net.ipv4.ip_forward) or a path below /proc/sys (for names with dots).
nt_sysctl() {
  local key=$2 path
  if [[ $key == */* ]]; then path=/proc/sys/$key; else path=/proc/sys/${key//./\/}; fi
  if (($# >= 3)); then
    # shellcheck disable=SC2016
    _nt_net "$1" sh -c 'printf "%s\n" "$1" >"$2"' nt-sysctl "$3" "$path" ||
      nt_fail "cannot set $key=$3 in ${1}"
  else
    _nt_net "$1" cat "$path"
  fi
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

# ---- processes and waiting ---------------------------------------------------------

# nt_bg NS NAME CMD... - start CMD in NS in the background (own session, stdin
# /dev/null, output to $NT_RUN_DIR/logs/NAME.log); stopped at teardown.
# Sets NT_LAST_PID.
nt_bg() {
  (($# >= 3)) || nt_fail "usage: nt_bg NS NAME CMD..."
  local ns=$1 name=$2 pidf i pid _NT_ARGV
  shift 2
  [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || nt_fail "bad process name '$name'"
  pidf=$NT_RUN_DIR/bg/$name.pid
  [[ ! -e $pidf ]] || nt_fail "background process '$name' already exists"
  # The PID is written by the last step before the final exec: once it is
  # there, a signal can no longer be swallowed by a setup step. After setsid
  # the process leads its own session and process group (whether or not
  # setsid had to fork); env resets the signals that bash ignores for
  # background jobs (SIGINT, SIGQUIT) to their defaults.
  _nt_exec_argv "$ns" "$pidf.new"
  setsid env --default-signal "${_NT_ARGV[@]}" "$@" \
    </dev/null >>"$NT_RUN_DIR/logs/$name.log" 2>&1 &
  disown $! 2>/dev/null || true
  pid=
  for ((i = 0; i < 1000; i++)); do
    [[ -s $pidf.new ]] && read -r pid <"$pidf.new" && [[ $pid =~ ^[0-9]+$ ]] && break
    pid=
    sleep 0.01
  done
  [[ -n $pid ]] || nt_fail "background process '$name' did not start (see $NT_RUN_DIR/logs/$name.log)"
  printf '%s %s\n' "$pid" "$(_nt_starttime "$pid")" >"$pidf"
  rm -f -- "$pidf.new"
  NT_LAST_PID=$pid
  nt_log "started '$name' (pid $pid) in ${ns}: $*"
}

# nt_bg_pid NAME - print the PID of background process NAME (empty if gone).
nt_bg_pid() {
  local pid st
  [[ -f $NT_RUN_DIR/bg/$1.pid ]] || return 0
  read -r pid st <"$NT_RUN_DIR/bg/$1.pid"
  if _nt_alive "$pid" "$st"; then printf '%s\n' "$pid"; fi
}

# nt_bg_log NAME - print the path of NAME's log file.
nt_bg_log() {
  printf '%s\n' "$NT_RUN_DIR/logs/$1.log"
}

# nt_bg_stop NAME [SIGNAL=TERM] - signal NAME's process group, wait up to 5 s for it to go.
nt_bg_stop() {
  local pid sig=${2:-TERM}
  pid=$(nt_bg_pid "$1")
  [[ -n $pid ]] || return 0
  kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
  nt_wait_until 5 _nt_gone "$1" || nt_fail "background process '$1' (pid $pid) did not stop on SIG$sig"
  rm -f -- "$NT_RUN_DIR/bg/$1.pid"
}

_nt_gone() { [[ -z $(nt_bg_pid "$1") ]]; }

# nt_sleep SECONDS - sleep that a trapped signal interrupts at once.
nt_sleep() {
  sleep "$1" &
  wait $!
}

# nt_wait_until TIMEOUT_S CMD... - retry CMD every NT_POLL s until it succeeds;
# returns 1 (with a log line) on timeout.
nt_wait_until() {
  local timeout=$1 end frac now
  shift
  [[ $timeout =~ ^[0-9]+(\.[0-9]+)?$ ]] || nt_fail "nt_wait_until: bad timeout '$timeout'"
  end=$(($(_nt_now_us) + 10#${timeout%.*} * 1000000))
  if [[ $timeout == *.* ]]; then
    frac=${timeout#*.}
    frac=${frac:0:6}
    end=$((end + 10#$frac * 10 ** (6 - ${#frac})))
  fi
  while :; do
    if "$@"; then return 0; fi
    now=$(_nt_now_us)
    ((now < end)) || break
    sleep "$NT_POLL"
  done
  nt_log "timed out after ${timeout}s waiting for: $*"
  return 1
}

# True if something listens on PORT/PROTO in NS.
_nt_listening() {
  local ns flag=-t
  ns=$(_nt_nsname "$1")
  [[ $3 == udp ]] && flag=-u
  local out
  if [[ -n $ns ]]; then
    out=$(ss -N "$ns" -Hln "$flag" "sport = :$2" 2>/dev/null) || return 1
  else
    out=$(ss -Hln "$flag" "sport = :$2" 2>/dev/null) || return 1
  fi
  [[ -n $out ]]
}

# nt_wait_port NS PORT [tcp|udp] [TIMEOUT_S=10] - wait until a socket listens on PORT.
nt_wait_port() {
  local proto=${3:-tcp}
  [[ $proto == tcp || $proto == udp ]] || nt_fail "nt_wait_port: protocol must be tcp or udp"
  nt_wait_until "${4:-10}" _nt_listening "$1" "$2" "$proto"
}

# ---- bpffs ---------------------------------------------------------------------

# nt_pin_dir [NAME] - print a fresh dir under /sys/fs/bpf (bpffs mounted if it
# is not), removed with its pins at teardown.
nt_pin_dir() {
  local d=$NT_BPFFS/$NT_PREFIX-${1:-pins}
  if [[ $(stat -f -c %T "$NT_BPFFS" 2>/dev/null) != bpf_fs ]]; then
    mkdir -p "$NT_BPFFS"
    mount -t bpf bpf "$NT_BPFFS" 2>/dev/null || nt_skip "bpffs is not mounted on $NT_BPFFS and cannot be"
  fi
  mkdir "$d" || nt_fail "cannot create pin dir $d"
  printf '%s\n' "$d"
}

# ---- command line ------------------------------------------------------------------

_nt_main() {
  case ${1-} in
    list)
      local d
      for d in "$NT_STATE_ROOT"/nt*; do
        [[ -d $d ]] || continue
        printf '%s %s owner=%s%s\n' "${d##*/}" "$(cat "$d/name" 2>/dev/null)" \
          "$(cut -d' ' -f1 "$d/owner" 2>/dev/null)" "$([[ -e $d/keep ]] && echo ' kept')"
      done
      ;;
    gc) _nt_gc ;;
    cleanup)
      [[ ${2-} =~ ^nt[0-9a-f]{8}$ ]] || { echo "usage: ${0##*/} cleanup PREFIX" >&2; return 2; }
      _nt_cleanup_run "$2" "$NT_STATE_ROOT/$2"
      rm -rf -- "${NT_STATE_ROOT:?}/$2"
      ;;
    *)
      echo "usage: ${0##*/} list | gc | cleanup PREFIX   (or source it from a test script)" >&2
      return 2
      ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -uo pipefail
  _nt_main "$@"
  exit $?
fi
