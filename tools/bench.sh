#!/usr/bin/env bash
# The benchmarks (ctest label `perf`, which tools/test.sh leaves out): builds
# them and runs each binary, printing Google Benchmark's console table.
# Arguments go to every binary, e.g.
#   tools/bench.sh --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
# BENCH=regex picks binaries by name (default: all), e.g. BENCH=path_benchmark.
# The datapath benchmarks (datapath/bench/) need root. Results and method:
# docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SLUICE_BUILD_DIR:-$root/build}
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
mapfile -t names < <(cd "$build" && ctest -N -L perf 2>/dev/null |
  sed -n 's/^ *Test *#[0-9]*: //p' | grep -E "${BENCH:-.}")
if [[ ${#names[@]} -eq 0 ]]; then
  echo "no perf benchmark matches '${BENCH:-}'" >&2
  exit 1
fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${names[@]}"
status=0
for name in "${names[@]}"; do
  bin=$(find "$build" -type f -perm -u+x -name "$name" | head -n1)
  echo "== $name (${bin#"$build"/})"
  "$bin" --benchmark_format=console "$@" || status=1
done
exit $status
