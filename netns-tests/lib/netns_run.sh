# shellcheck shell=bash
# netns_run.sh - a run and its scenarios: nt_init and the traps that tear it down
# (EXIT, INT, TERM) or report where it failed (ERR), nt_run / nt_done, and the
# per-run resources removed at teardown (deferred commands, temp and pin dirs).
# Part of the netns test harness: sourced by netns.sh, never on its own.

# ---- run lifecycle -----------------------------------------------------------------

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
    case ${BASH_SOURCE[i]} in "$_NT_SELF" | "$_NT_LIB"/netns_*.sh) continue ;; esac
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
