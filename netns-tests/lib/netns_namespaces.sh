# shellcheck shell=bash
# netns_namespaces.sh - namespaces and running commands inside them (nt_ns,
# nt_exec, nt_sysctl).
# Part of the netns test harness: sourced by netns.sh, never on its own.

# Full netns name for a logical name; empty for the root namespace ("root").
_nt_nsname() {
  case $1 in
    root | '') printf '' ;;
    "$NT_PREFIX"-*) printf '%s' "$1" ;;
    *) printf '%s-%s' "$NT_PREFIX" "$1" ;;
  esac
}

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
