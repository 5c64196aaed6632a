# shellcheck shell=bash
# netns_cleanup.sh - removing a run: everything carrying its prefix (deferred
# commands, processes, namespaces, root interfaces, pin dirs), and the gc of
# runs whose owner is gone.
# Part of the netns test harness: sourced by netns.sh, never on its own.

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
