#!/usr/bin/env bash
# lbd guards what it owns and says no clearly: mutual TLS on a TCP listener
# (certificates made with openssl at test time), one lbd per pin dir and
# socket, no VIP changes without an XDP interface, and the real-server role's
# counters on /metrics. Every lbd runs in its own namespace; see
# docs/security.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/netns.sh"
: "${SLUICE_BUILD_DIR:=$here/../build}"

nt_init lbd_guards
nt_require_root
nt_require_cmd openssl curl timeout
for f in lbd/lbd cli/lbctl; do
  [[ -x $SLUICE_BUILD_DIR/$f ]] || nt_fail "missing $SLUICE_BUILD_DIR/$f: build first (tools/build.sh)"
done
LBD=$SLUICE_BUILD_DIR/lbd/lbd
LBCTL=$SLUICE_BUILD_DIR/cli/lbctl
PORT=50051   # free: every lbd has a namespace of its own

# ---- helpers ---------------------------------------------------------------

# make_pki DIR - two CAs; lbd's certificate (for 127.0.0.1) and a client's,
# both from "ca"; a stranger's client certificate from "other-ca".
make_pki() {
  local d=$1
  _ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=$2" -keyout "$d/$1.key" -out "$d/$1.pem" 2>/dev/null
  }
  _cert() { # NAME CA CN EXTENSIONS
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$3" \
      -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
    printf '%b\n' "$4" >"$d/$1.ext"
    openssl x509 -req -in "$d/$1.csr" -CA "$d/$2.pem" -CAkey "$d/$2.key" -CAcreateserial \
      -days 2 -extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
  }
  _ca ca "sluice test CA"
  _ca other-ca "another CA"
  _cert server ca lbd "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"
  _cert client ca operator "extendedKeyUsage=clientAuth"
  _cert stranger other-ca stranger "extendedKeyUsage=clientAuth"
}

# run_capture VAR_RC VAR_OUT CMD... - run CMD (stdout and stderr together).
run_capture() {
  local -n _rc=$1 _out=$2
  shift 2
  _rc=0
  _out=$("$@" 2>&1) || _rc=$?
}

# assert_one_line TEXT WHAT
assert_one_line() {
  [[ -n $1 && $1 != *$'\n'* ]] || nt_fail "$2: expected one line, got: '$1'"
}

# lbd_refuses NS WANT_REGEX LBD_ARGS... - lbd must exit non-zero at once with
# one line on stderr matching WANT_REGEX.
lbd_refuses() {
  local ns=$1 want=$2 rc out
  shift 2
  run_capture rc out nt_exec "$ns" timeout 30 "$LBD" "$@"
  ((rc != 0 && rc != 124)) || nt_fail "lbd $* did not refuse to start (status $rc): $out"
  assert_one_line "$out" "lbd's refusal"
  nt_assert_match "$want" "$out" "lbd's refusal"
}

lbctl_unix() { "$LBCTL" --server "unix:$1" "${@:2}"; }
lbctl_unix_quiet() { lbctl_unix "$@" >/dev/null 2>&1; }

# ---- 1. mutual TLS ------------------------------------------------------------

tcp_needs_client_auth_or_an_explicit_opt_out() {
  local ns pki
  ns=$(nt_ns api)
  pki=$(nt_tmpdir pki)
  make_pki "$pki"
  lbd_refuses "$ns" '^lbd: .*--tls-client-ca FILE.*--insecure-no-client-auth' \
    --pin-dir "$(nt_pin_dir refused)" --listen "127.0.0.1:$PORT" \
    --tls-cert "$pki/server.pem" --tls-key "$pki/server.key"

  # The opt-out works and says so in lbd's log.
  nt_bg "$ns" lbd "$LBD" --pin-dir "$(nt_pin_dir pins)" --listen "127.0.0.1:$PORT" \
    --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" --insecure-no-client-auth
  nt_wait_until 30 nt_exec "$ns" "$LBCTL" --server "127.0.0.1:$PORT" --tls-ca "$pki/ca.pem" vip list \
    >/dev/null 2>&1 || nt_fail "lbd --insecure-no-client-auth does not serve a client without a certificate"
  grep -q '^lbd: WARNING: --insecure-no-client-auth: any client that reaches 127.0.0.1:50051' \
    "$(nt_bg_log lbd)" || nt_fail "no warning in lbd's log about --insecure-no-client-auth"
}

mutual_tls_admits_only_clients_of_its_ca() {
  local ns pki rc out
  ns=$(nt_ns api)
  pki=$(nt_tmpdir pki)
  make_pki "$pki"
  nt_bg "$ns" lbd "$LBD" --pin-dir "$(nt_pin_dir pins)" --listen "127.0.0.1:$PORT" \
    --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" --tls-client-ca "$pki/ca.pem"
  client() { nt_exec "$ns" "$LBCTL" --server "127.0.0.1:$PORT" "$@"; }
  local operator=(--tls-ca "$pki/ca.pem" --tls-cert "$pki/client.pem" --tls-key "$pki/client.key")
  nt_wait_until 30 client "${operator[@]}" vip list >/dev/null 2>&1 ||
    nt_fail "lbctl with a client certificate of lbd's CA is not served"
  nt_assert_ok client "${operator[@]}" stats >/dev/null

  run_capture rc out client --tls-ca "$pki/ca.pem" vip list
  nt_log "without a client certificate: $out"
  ((rc == 1)) || nt_fail "lbctl without a client certificate: status $rc, want 1: $out"
  assert_one_line "$out" "lbctl without a client certificate"
  nt_assert_match 'closed the connection: it takes only clients with a certificate' "$out"

  run_capture rc out client --tls-ca "$pki/ca.pem" --tls-cert "$pki/stranger.pem" \
    --tls-key "$pki/stranger.key" vip list
  ((rc == 1)) || nt_fail "lbctl with another CA's certificate: status $rc, want 1: $out"
  assert_one_line "$out" "lbctl with another CA's certificate"
  nt_assert_match 'closed the connection' "$out"

  run_capture rc out client --tls-ca "$pki/other-ca.pem" --tls-cert "$pki/client.pem" \
    --tls-key "$pki/client.key" vip list
  nt_log "trusting the wrong CA: $out"
  ((rc == 1)) || nt_fail "lbctl trusting the wrong CA: status $rc, want 1: $out"
  assert_one_line "$out" "lbctl trusting the wrong CA"
  nt_assert_match "^lbctl: UNAVAILABLE: lbd at 127.0.0.1:$PORT is not trusted" "$out"

  run_capture rc out nt_exec "$ns" "$LBCTL" --server "127.0.0.1:$((PORT + 1))" "${operator[@]}" vip list
  ((rc == 1)) || nt_fail "lbctl to a closed port: status $rc, want 1: $out"
  assert_one_line "$out" "lbctl to a closed port"
  nt_assert_match "^lbctl: UNAVAILABLE: cannot reach lbd at 127.0.0.1:$((PORT + 1))" "$out"
}

# ---- 2. one lbd per pin dir and socket ---------------------------------------

second_lbd_refuses_and_first_keeps_serving() {
  local ns pins sock other_sock
  ns=$(nt_ns lb)
  pins=$(nt_pin_dir pins)
  sock=$(nt_tmpdir run)/lbd.sock
  other_sock=$(nt_tmpdir run)/other.sock
  nt_bg "$ns" lbd "$LBD" --pin-dir "$pins" --listen "unix:$sock"
  nt_wait_until 30 lbctl_unix_quiet "$sock" vip list || nt_fail "lbd did not start"

  lbd_refuses "$ns" "^lbd: another lbd is running on pin dir $pins" \
    --pin-dir "$pins" --listen "unix:$other_sock"
  [[ ! -e $other_sock ]] || nt_fail "the refused lbd created its socket"
  lbd_refuses "$ns" "^lbd: another process \(another lbd\?\) serves on $sock" \
    --pin-dir "$(nt_pin_dir other)" --listen "unix:$sock"
  nt_assert_ok lbctl_unix "$sock" vip list >/dev/null
  [[ -n $(nt_bg_pid lbd) ]] || nt_fail "the first lbd is gone"

  # Killed, it leaves its socket behind and releases its lock with its life.
  nt_bg_stop lbd KILL
  [[ -S $sock ]] || nt_fail "no stale socket after kill -9 (the scenario proves nothing)"
  nt_bg "$ns" lbd2 "$LBD" --pin-dir "$pins" --listen "unix:$sock"
  nt_wait_until 30 lbctl_unix_quiet "$sock" vip list ||
    nt_fail "lbd on a killed lbd's pin dir and stale socket did not start"
}

file_at_the_socket_path_is_kept() {
  local ns path
  ns=$(nt_ns lb)
  path=$(nt_tmpdir run)/precious
  echo "not a socket" >"$path"
  lbd_refuses "$ns" "^lbd: $path exists and is not a socket" \
    --pin-dir "$(nt_pin_dir pins)" --listen "unix:$path"
  nt_assert_eq "not a socket" "$(cat "$path")" "the file at the socket path"
}

# ---- 3. no VIP changes without an XDP interface -----------------------------

changes_without_iface_are_refused() {
  local ns sock rc out cmd blacklist
  ns=$(nt_ns node)
  sock=$(nt_tmpdir run)/lbd.sock
  blacklist=$(nt_tmpdir bl)/list
  echo "10.9.0.0/16" >"$blacklist"
  nt_bg "$ns" lbd "$LBD" --pin-dir "$(nt_pin_dir pins)" --listen "unix:$sock"
  nt_wait_until 30 lbctl_unix_quiet "$sock" vip list || nt_fail "lbd did not start"
  for cmd in "vip add 10.100.0.10:80/tcp" "vip del 10.100.0.10:80/tcp" \
    "backend add 10.100.0.10:80/tcp 10.30.1.2" "backend set 10.100.0.10:80/tcp 10.30.1.2 --weight 0" \
    "backend del 10.100.0.10:80/tcp 10.30.1.2" "blacklist add 10.9.0.0/16" \
    "blacklist del 10.9.0.0/16" "blacklist add --arp 10.9.0.1" "blacklist push $blacklist"; do
    # shellcheck disable=SC2086  # the command's words
    run_capture rc out lbctl_unix "$sock" $cmd
    ((rc == 1)) || nt_fail "lbctl $cmd on an lbd without --iface: status $rc, want 1: $out"
    nt_assert_match '^lbctl: FAILED_PRECONDITION: .*--iface' "$out" "lbctl $cmd"
  done
  # Reads still answer, and nothing was changed.
  local vips
  vips=$(lbctl_unix "$sock" -o json vip list |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("vips", [])))')
  nt_assert_eq 0 "$vips" "VIPs after the refused changes"
}

# ---- 4. the real-server role's metrics -----------------------------------------

decap_only_lbd_serves_its_counters() {
  local real wire text seen
  real=$(nt_ns real)
  wire=$(nt_ns wire)
  nt_veth "$real" eth0 "$wire" eth0
  nt_addr "$real" eth0 10.0.0.2/24
  nt_addr "$wire" eth0 10.0.0.1/24
  nt_bg "$real" lbd "$LBD" --decap-iface eth0 --pin-dir "$(nt_pin_dir pins)" \
    --listen "unix:$(nt_tmpdir run)/lbd.sock" --metrics 127.0.0.1:9100
  nt_wait_port "$real" 9100 tcp 30 || nt_fail "lbd --decap-iface --metrics does not serve metrics"
  nt_ping "$wire" 10.0.0.2 3 || nt_fail "the real does not answer ping"
  text=$(nt_exec "$real" curl -s --max-time 3 http://127.0.0.1:9100/metrics)
  seen=$(awk '$1 == "sluice_decap_packets_total{class=\"seen\"}" {print $2}' <<<"$text")
  [[ -n $seen ]] || nt_fail "no sluice_decap_packets_total{class=\"seen\"} in /metrics: $text"
  ((${seen%.*} >= 3)) || nt_fail "decap saw $seen packets, expected the pings (>= 3)"
  grep -q '^sluice_decap_packets_total{class="ipip"}' <<<"$text" ||
    nt_fail "no ipip counter in /metrics"
}

nt_run tcp_needs_client_auth_or_an_explicit_opt_out
nt_run mutual_tls_admits_only_clients_of_its_ca
nt_run second_lbd_refuses_and_first_keeps_serving
nt_run file_at_the_socket_path_is_kept
nt_run changes_without_iface_are_refused
nt_run decap_only_lbd_serves_its_counters
nt_done
