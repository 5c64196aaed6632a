# shellcheck shell=bash
# netns_processes.sh - background processes (nt_bg, its PID and log, stopping it)
# and waiting (nt_wait_until, nt_wait_port).
# Part of the netns test harness: sourced by netns.sh, never on its own.

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
