#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test label
# except `perf` (benchmarks: tools/bench.sh) and `fuzz` (the 1,000,000-frame
# datapath fuzz: docs/testing-fuzz.md; its short run is in `bpf`). Non-zero on
# any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/check_layers.sh"   # no include points up a layer (docs/architecture.md)
"$root/tools/build.sh"
build=${SLUICE_BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure --label-exclude 'perf|fuzz' "$@"
