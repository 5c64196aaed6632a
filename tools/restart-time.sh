#!/usr/bin/env bash
# Restart time of lbd (a measurement, not a test: it asserts nothing).
# Starts lbd on a veth in generic XDP mode, kills it with -9 and times each
# next start over the same pins until `lbctl vip list` answers: RUNS times
# empty, then RUNS times with 1,000,000 blacklisted IPv4 /24s (random,
# seeded). Needs root and a build (SLUICE_BUILD_DIR, default ./build).
# Everything it creates (veth rtv0/rtv1, pins, socket, files) is removed on
# exit, also when it fails or is interrupted. Results: docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SLUICE_BUILD_DIR:-$root/build}
runs=${RUNS:-3}
lbd=$build/lbd/lbd
lbctl=$build/cli/lbctl
for bin in "$lbd" "$lbctl"; do
  [[ -x $bin ]] || { echo "restart-time: $bin not built" >&2; exit 1; }
done

pin=/sys/fs/bpf/sluice-restart-time
sock=/tmp/sluice-restart-time.sock
work=$(mktemp -d /tmp/sluice-restart-time.XXXXXX)
pid=

remove_setup() {
  ip link del rtv0 2>/dev/null || true
  rm -rf "$pin" "$sock"
}
cleanup() {
  if [[ -n $pid ]]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  remove_setup
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

remove_setup   # left by an earlier run that was killed
ip link add rtv0 type veth peer name rtv1
ip link set rtv0 up
ip link set rtv1 up

# Starts lbd and sets `elapsed` to the seconds until it answers.
start() {
  local t0 t1
  t0=$(date +%s.%N)
  "$lbd" --iface rtv0 --xdp-mode generic --pin-dir "$pin" --listen "unix:$sock" \
    --max-prefixes 1100000 >"$work/lbd.log" 2>&1 &
  pid=$!
  for _ in $(seq 3000); do
    "$lbctl" --server "unix:$sock" vip list >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/lbd.log" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s.%N)
  elapsed=$(echo "$t1 - $t0" | bc)
  # CPU time lbd used until then (user + system, all threads; the kernel's
  # verifier counts as system time): less at the mercy of other load.
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  elapsed="$(printf %.3f "$elapsed") s (cpu $(echo "scale=2; $ticks / $(getconf CLK_TCK)" | bc) s)"
}
crash() {
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

start; echo "first start (creates the pins): $elapsed"; crash
for _ in $(seq "$runs"); do start; echo "restart, empty: $elapsed"; crash; done

python3 -c '
import random
r = random.Random(1); s = set()
while len(s) < 1000000: s.add(r.randrange(1 << 24))
print("\n".join("%d.%d.%d.0/24" % (x >> 16, (x >> 8) & 255, x & 255) for x in s))' >"$work/1m.txt"
start
t0=$(date +%s.%N)
"$lbctl" --server "unix:$sock" blacklist push "$work/1m.txt"
echo "push of 1,000,000 prefixes: $(echo "$(date +%s.%N) - $t0" | bc) s"
crash
for _ in $(seq "$runs"); do
  start
  n=$("$lbctl" --server "unix:$sock" blacklist list | grep -c /24)
  echo "restart, $n prefixes: $elapsed"
  crash
done
