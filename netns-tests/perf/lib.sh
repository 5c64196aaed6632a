# shellcheck shell=bash
# perf/lib.sh - shared helpers of the veth throughput benchmarks
# (prefix_drop.sh, xdp_forward.sh, service_nat.sh). Source from a benchmark
# script after `set -euo pipefail`; see docs/benchmarks.md "veth throughput".
#
# Topology of every benchmark:
#
#   gen (pktgen, pinned to PERF_GEN_CPU) ──veth── dut (device under test) [── sink]
#
# Where the work happens (measured on Linux 6.18): a veth transmit schedules
# the peer's NAPI on the *sending* CPU, and pktgen's BPF_PROG_RUN runs it
# after every batch of 64 frames: the DUT's whole receive path (XDP, stack,
# netfilter, tc, forwarding into the next veth and that one's XDP) runs in
# softirq inside pktgen, on PERF_GEN_CPU. No frame waits in a ring, so the
# DUT processes every frame the veth took, and a slower DUT lowers pktgen's
# rate. The CPU cost is measured as pktgen's own CPU time (rusage; this kernel
# has no IRQ time accounting, so softirq work done in its context is charged
# to it) plus ksoftirqd on that CPU: "CPU ns/pkt" is generator + DUT; "DUT
# ns/pkt" subtracts the generator's own cost, measured in the same run by the
# reference point `gen-only` (bare XDP_DROP on the DUT's veth, that
# program's own ns/run taken off as well).
#
# PERF_THREADED=1 instead gives every receiving veth end threaded NAPI pinned
# to PERF_DUT_CPU (SCHED_FIFO 1 unless PERF_RT=0) and charges the kthreads'
# run time. Measured here: the DUT thread sleeps whenever the 256-frame ring
# is empty and is woken by an IPI for the next frames; in this VM that took
# the DUT down to ~0.18 Mpps of 1.9 Mpps offered (XDP_TX reflect) at ~2.8 µs
# of CPU per frame, mostly wake-up overhead: not usable for comparisons.
#
# A receiving veth end needs an XDP program (docs/pktgen.md): contenders that
# work on skbs (iptables, nftables, tc) get xdp_pass on it, so every contender
# pays for one XDP program run.

PERF_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/netns.sh
source "$PERF_LIB/../lib/netns.sh"
: "${SLUICE_BUILD_DIR:=$PERF_LIB/../../build}"
SLUICE_BUILD_DIR=$(cd "$SLUICE_BUILD_DIR" && pwd)

PKTGEN=$SLUICE_BUILD_DIR/tools/pktgen/pktgen
PKTGEN_BPF=$SLUICE_BUILD_DIR/tools/pktgen/pktgen.bpf.o   # pktgen_probe = XDP_DROP
XDP_PASS=$SLUICE_BUILD_DIR/datapath/xdp/xdp_pass.bpf.o
SINK_DROP=$SLUICE_BUILD_DIR/tools/pktgen/sink_drop.bpf.o   # tc: drops everything
LBD=$SLUICE_BUILD_DIR/lbd/lbd
LBCTL=$SLUICE_BUILD_DIR/cli/lbctl

PERF_GEN_CPU=${PERF_GEN_CPU:-0}
PERF_DUT_CPU=${PERF_DUT_CPU:-1}
PERF_RT=${PERF_RT:-1}
PERF_THREADED=${PERF_THREADED:-0}
PERF_QUICK=0
PERF_DURATION=${PERF_DURATION:-}
PERF_WARMUP=${PERF_WARMUP:-0.5}   # seconds of traffic before each point
# How pktgen sends (docs/pktgen.md): auto = live frames where the kernel
# allows them, else AF_PACKET; live or afpacket to force one.
PERF_PKTGEN_MODE=${PERF_PKTGEN_MODE:-auto}
# kernel.bpf_stats_enabled during the run: per-program ns/run, but it times
# every BPF program run with two clock reads, ~100 ns each in this VM
# (pvclock): a contender running more programs pays more. Scripts comparing
# BPF against non-BPF datapaths set 0 and count with perf_xdp_drops.
PERF_BPF_STATS=${PERF_BPF_STATS:-1}

GEN4=10.77.0.1
DUT4=10.77.0.2

# perf_init NAME ARGS... - parse [--quick] [--duration S], nt_init, checks,
# kernel.bpf_stats_enabled=PERF_BPF_STATS for the whole run (restored at exit).
perf_init() {
  local name=$1
  shift
  while (($#)); do
    case $1 in
      --quick) PERF_QUICK=1 ;;
      --duration) PERF_DURATION=$2; shift ;;
      *) echo "usage: $0 [--quick] [--duration S]" >&2; exit 2 ;;
    esac
    shift
  done
  if [[ -z $PERF_DURATION ]]; then
    if ((PERF_QUICK)); then PERF_DURATION=2; else PERF_DURATION=5; fi
  fi
  nt_init "$name"
  nt_require_root
  nt_require_cmd ip ethtool python3 bpftool taskset chrt
  local f
  for f in "$PKTGEN" "$PKTGEN_BPF" "$XDP_PASS" "$SINK_DROP" "$LBD" "$LBCTL"; do
    [[ -e $f ]] || nt_fail "missing $f: build first (cmake --build BUILD --target lbd lbctl pktgen xdp_pass_skel_gen sink_drop_skel_gen)"
  done
  PERF_TMP=$(mktemp -d /tmp/sluice-perf.XXXXXX) # results, generated rule files
  PERF_RESULTS=$PERF_TMP/results
  : >"$PERF_RESULTS"
  PERF_OLD_BPF_STATS=$(cat /proc/sys/kernel/bpf_stats_enabled)
  echo "$PERF_BPF_STATS" >/proc/sys/kernel/bpf_stats_enabled
  trap 'perf_exit' EXIT
  nt_log "duration ${PERF_DURATION}s per point; pktgen --mode $PERF_PKTGEN_MODE on CPU $PERF_GEN_CPU; threaded NAPI: $PERF_THREADED; load: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Restores bpf_stats, then the harness's EXIT trap (teardown).
perf_exit() {
  local rc=$?
  if [[ $BASHPID == "$_NT_MAIN_PID" ]]; then
    echo "${PERF_OLD_BPF_STATS:-0}" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null || true
    [[ -z ${PERF_TMP-} ]] || rm -rf -- "$PERF_TMP"
  fi
  (exit "$rc")
  _nt_on_exit
}

# ---- topology -------------------------------------------------------------------

# perf_pair - namespaces gen and dut, gen:eth0 (GEN4) -- dut:eth0 (DUT4).
perf_pair() {
  nt_ns gen >/dev/null
  nt_ns dut --forward >/dev/null
  nt_veth gen eth0 dut eth0
  nt_addr gen eth0 "$GEN4/24"
  nt_addr dut eth0 "$DUT4/24"
  nt_sysctl dut net.ipv4.conf.all.rp_filter 0
  nt_sysctl dut net.ipv4.conf.eth0.rp_filter 0
}

# perf_xdp NS IF pass|drop - attach xdp_pass / XDP_DROP (native).
perf_xdp() {
  case $3 in
    pass) nt_exec "$1" ip link set dev "$2" xdpdrv obj "$XDP_PASS" sec xdp ;;
    drop) nt_exec "$1" ip link set dev "$2" xdpdrv obj "$PKTGEN_BPF" program pktgen_probe ;;
    *) nt_fail "perf_xdp: pass|drop" ;;
  esac
}

_perf_napi_pids() { pgrep '^napi/' | sort || true; }

# perf_threaded NS IF - with PERF_THREADED=1: threaded NAPI on IF (its XDP
# program must be in place: that creates a veth's NAPI), kthread pinned to
# PERF_DUT_CPU. Otherwise nothing.
perf_threaded() {
  ((PERF_THREADED)) || return 0
  local before after pid n=0
  before=$(_perf_napi_pids)
  nt_exec "$1" sh -c "echo 1 >/sys/class/net/$2/threaded"
  sleep 0.1
  after=$(_perf_napi_pids)
  for pid in $(comm -13 <(echo "$before") <(echo "$after")); do
    taskset -pc "$PERF_DUT_CPU" "$pid" >/dev/null
    if ((PERF_RT)); then chrt -f -p 1 "$pid"; fi
    echo "$pid" >>"$NT_RUN_DIR/tmp/napi_pids"
    n=$((n + 1))
  done
  ((n > 0)) || nt_fail "no NAPI thread appeared for $1:$2"
}

# perf_cpu_ns - run time so far (ns) of ksoftirqd on the CPU doing the
# receive work and (PERF_THREADED=1) of the NAPI kthreads.
perf_cpu_ns() {
  local pids pid sum=0 t cpu=$PERF_GEN_CPU
  ((PERF_THREADED)) && cpu=$PERF_DUT_CPU
  pids=$(cat "$NT_RUN_DIR/tmp/napi_pids" 2>/dev/null || true)
  pids+=" $(pgrep -x "ksoftirqd/$cpu" || true)"
  for pid in $pids; do
    { read -r t _ <"/proc/$pid/schedstat"; } 2>/dev/null || continue
    sum=$((sum + t))
  done
  echo "$sum"
}

perf_mac() { nt_mac "$1" "$2"; }

# perf_xdp_prog_id NS IF - id of the XDP program on IF.
perf_xdp_prog_id() {
  nt_exec "$1" ip -j link show dev "$2" |
    python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; x=l.get("xdp",{}); print(x.get("prog",{}).get("id") or [p["id"] for p in x.get("attached",[]) if "id" in p][0])'
}

# perf_xdp_drops NS IF - frames XDP dropped on veth IF so far (the driver's
# own counter: works without bpf_stats).
perf_xdp_drops() {
  nt_exec "$1" ethtool -S "$2" | awk '/rx_queue_[0-9]+_xdp_drops:/ { n += $2 } END { print n + 0 }'
}

# perf_tc_sink NS IF - drop everything IF receives, in tc ingress: a sink
# that also sees packets handed into IF by bpf_redirect_peer (they enter
# past the veth's NAPI, where an XDP sink would be). Count with perf_rx_packets.
perf_tc_sink() {
  nt_exec "$1" tc qdisc add dev "$2" clsact
  nt_exec "$1" tc filter add dev "$2" ingress bpf direct-action obj "$SINK_DROP" sec tc
}

# perf_rx_packets NS IF - the device's rx_packets so far (a veth counts both
# its peer's transmits and bpf_redirect_peer hand-overs).
perf_rx_packets() {
  nt_exec "$1" ip -j -s link show dev "$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

# perf_prog_stats ID - "run_cnt run_time_ns" of a BPF program.
perf_prog_stats() {
  bpftool -j prog show id "$1" | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p.get("run_cnt",0), p.get("run_time_ns",0))'
}

# ---- measuring ---------------------------------------------------------------------

# Runs its arguments, then prints "cpu_ns N" (the child's user + system time).
_PERF_RUSAGE_PY='
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:])
_, st, ru = os.wait4(p.pid, 0)
print("cpu_ns %d" % ((ru.ru_utime + ru.ru_stime) * 1e9), flush=True)
sys.exit(os.waitstatus_to_exitcode(st))'

# Result line from the raw numbers (argv as in perf_point).
_PERF_ROW_PY='
import sys
test, who, count, secs, tx, c0, c1, cpu, pc0, pt0, pc1, pt1 = sys.argv[1:]
secs = float(secs); n = int(c1) - int(c0); cpu = int(cpu)
runs = int(pc1) - int(pc0)
progns = "%.0f" % ((int(pt1) - int(pt0)) / runs) if runs > 0 else "-"
print("\t".join([test, who, count, "%.0f" % (int(tx) / secs), "%.0f" % (n / secs),
                 "%.0f" % (cpu / n) if n > 0 else "-", progns]))'

# perf_point TEST CONTENDER COUNT COUNTER_FN XDP_PROG_ID|- -- PKTGEN_ARGS...
# One measurement: COUNTER_FN prints a cumulative packet count at the DUT (the
# packets that met the contender's verdict: dropped, forwarded); pktgen runs
# PERF_DURATION s from gen on PERF_GEN_CPU. Records offered packets/s (what
# the veth took), DUT packets/s, CPU ns per counted packet (generator + DUT,
# see the top) and, with a program id, that XDP program's ns per run (bpf_stats).
perf_point() {
  local test=$1 who=$2 count=$3 counter=$4 prog=$5
  shift 6
  local c0 c1 cpu0 cpu1 p0="0 0" p1="0 0" out secs tx gcpu
  # Warm-up, not measured: the first packets of every flow make entries
  # (connection tables, neighbours) and fill page pools.
  out=$(nt_exec gen "$PKTGEN" --iface eth0 --mode "$PERF_PKTGEN_MODE" --cpu "$PERF_GEN_CPU" \
    --duration "$PERF_WARMUP" "$@" 2>&1) ||
    nt_fail "pktgen (warm-up) failed: $out"
  c0=$("$counter")
  cpu0=$(perf_cpu_ns)
  [[ $prog == - ]] || p0=$(perf_prog_stats "$prog")
  out=$(nt_exec gen python3 -c "$_PERF_RUSAGE_PY" "$PKTGEN" --iface eth0 --mode "$PERF_PKTGEN_MODE" \
    --cpu "$PERF_GEN_CPU" --duration "$PERF_DURATION" "$@" 2>&1) || nt_fail "pktgen failed: $out"
  cpu1=$(perf_cpu_ns)
  c1=$("$counter")
  [[ $prog == - ]] || p1=$(perf_prog_stats "$prog")
  secs=$(sed -n 's/^sent [0-9]* packets in \([0-9.]*\) s.*/\1/p' <<<"$out")
  tx=$(sed -n 's/^eth0 tx_packets +\([0-9]*\).*/\1/p' <<<"$out")
  gcpu=$(sed -n 's/^cpu_ns \([0-9]*\).*/\1/p' <<<"$out")
  ((PERF_THREADED)) && gcpu=0
  [[ -n $secs && -n $tx && -n $gcpu ]] || nt_fail "cannot parse pktgen output: $out"
  # shellcheck disable=SC2086  # p0/p1 are "run_cnt run_time_ns"
  python3 -c "$_PERF_ROW_PY" "$test" "$who" "$count" "$secs" "$tx" "$c0" "$c1" \
    "$((cpu1 - cpu0 + gcpu))" $p0 $p1 >>"$PERF_RESULTS"
  nt_log "$(tail -1 "$PERF_RESULTS" | tr '\t' ' ')  [offered pps, DUT pps, cpu ns/pkt, xdp prog ns/run]"
}

# perf_gen_only FLOWS [PKTGEN_ARGS...] - the reference point: bare XDP_DROP
# on the DUT's veth, pktgen with FLOWS flows to DUT4 (and PKTGEN_ARGS);
# recorded as contender "gen-only", count 0.
_perf_gen_only_count() { perf_xdp_drops dut eth0; }
perf_gen_only() {
  perf_pair
  perf_xdp dut eth0 drop
  perf_threaded dut eth0
  local prog=-
  ((PERF_BPF_STATS)) && prog=$(perf_xdp_prog_id dut eth0)
  perf_point ref gen-only 0 _perf_gen_only_count "$prog" -- --dst "$DUT4" \
    --dst-mac "$(perf_mac dut eth0)" --flows "$@"
}

# perf_report TITLE BASELINE_CONTENDER - the results table; "ratio" is a row's
# DUT packets/s over the baseline contender's at the same count.
perf_report() {
  python3 - "$PERF_RESULTS" "$1" "$2" <<'EOF'
import sys
path, title, base = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
basepps = {r[2]: float(r[4]) for r in rows if r[1] == base}
gen = [r for r in rows if r[1] == "gen-only"]
genns = None
if gen and gen[0][5] != "-":
    genns = float(gen[0][5]) - (float(gen[0][6]) if gen[0][6] != "-" else 0)
print()
print("## " + title)
print()
print("| contender | count | offered pkt/s | DUT pkt/s | ratio to %s | CPU ns/pkt (gen+DUT) | DUT ns/pkt | XDP prog ns/pkt |" % base)
print("|---|---:|---:|---:|---:|---:|---:|---:|")
def m(x):
    return "%.2f M" % (float(x) / 1e6) if float(x) >= 1e5 else "%.0f k" % (float(x) / 1e3)
for t, who, count, off, pps, ns, prog in rows:
    b = basepps.get(count)
    ratio = "%.2f" % (float(pps) / b) if b else "-"
    dut = "%.0f" % (float(ns) - genns) if genns is not None and ns != "-" and who != "gen-only" else "-"
    print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (who, "{:,}".format(int(count)), m(off), m(pps),
          ratio, ns, dut, prog))
EOF
}

# perf_write_prefixes N FILE - N distinct /24s (fixed seed) from 20.0.0.0-99.255.255.0
# and, last, PERF_SRC_PREFIX (the one the traffic comes from, PERF_SRC4 up).
PERF_SRC_PREFIX=203.0.113.0/24
export PERF_SRC4=203.0.113.1
perf_write_prefixes() {
  python3 - "$1" "$2" "$PERF_SRC_PREFIX" <<'EOF'
import random, sys
n, path, last = int(sys.argv[1]), sys.argv[2], sys.argv[3]
r = random.Random(42)
seen = set()
out = []
while len(out) < n - 1:
    x = r.randrange(20 << 16, 100 << 16)
    if x in seen: continue
    seen.add(x)
    out.append("%d.%d.%d.0/24" % (x >> 16, (x >> 8) & 255, x & 255))
out.append(last)
open(path, "w").write("\n".join(out) + "\n")
EOF
}
