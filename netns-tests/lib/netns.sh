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
#
# The functions live in parts by topic, sourced below: netns_assert.sh
# (logging, assertions, requirements), netns_run.sh (nt_init, traps, nt_run,
# nt_done, per-run dirs), netns_cleanup.sh (teardown of a run, gc),
# netns_namespaces.sh (nt_ns, nt_exec, nt_sysctl), netns_links.sh (nt_veth,
# nt_addr, nt_route, nt_ping, ...), netns_processes.sh (nt_bg, nt_wait_*).

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
# The harness's own files: an error is reported at the first frame outside them.
if [[ $_NT_SELF == */* ]]; then _NT_LIB=${_NT_SELF%/*}; else _NT_LIB=.; fi

# shellcheck source=netns_assert.sh
source "$_NT_LIB/netns_assert.sh"
# shellcheck source=netns_run.sh
source "$_NT_LIB/netns_run.sh"
# shellcheck source=netns_cleanup.sh
source "$_NT_LIB/netns_cleanup.sh"
# shellcheck source=netns_namespaces.sh
source "$_NT_LIB/netns_namespaces.sh"
# shellcheck source=netns_links.sh
source "$_NT_LIB/netns_links.sh"
# shellcheck source=netns_processes.sh
source "$_NT_LIB/netns_processes.sh"

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
