# shellcheck shell=bash
# netns_assert.sh - logging, failing, skipping and assertions; requirements that skip a test
# when the machine lacks them.
# Part of the netns test harness: sourced by netns.sh, never on its own.

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
