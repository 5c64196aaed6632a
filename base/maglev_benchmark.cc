#include <string>
#include <vector>

#include "base/maglev.h"
#include "benchmark/benchmark.h"

namespace sluice {
namespace {

std::vector<MaglevBackend> Backends(int n, bool distinct_weights) {
  std::vector<MaglevBackend> out;
  for (int i = 0; i < n; ++i) {
    uint32_t a = (10u << 24) + i;
    std::string key{static_cast<char>(a >> 24), static_cast<char>(a >> 16),
                    static_cast<char>(a >> 8), static_cast<char>(a)};
    out.push_back(
        {static_cast<uint32_t>(i), key, distinct_weights ? 1u + i : 100u});
  }
  return out;
}

// Args: table size M, backends N, weights (0: all 100; 1: 1 + i, so that
// backends get many different entry counts — the most scheduling work).
void BM_BuildMaglevTable(benchmark::State& state) {
  const auto m = static_cast<uint32_t>(state.range(0));
  const std::vector<MaglevBackend> backends =
      Backends(static_cast<int>(state.range(1)), state.range(2) != 0);
  for (auto _ : state) {
    absl::StatusOr<std::vector<uint32_t>> table =
        BuildMaglevTable(backends, m, 1);
    if (!table.ok()) {
      state.SkipWithError(std::string(table.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(table->data());
  }
}
BENCHMARK(BM_BuildMaglevTable)
    ->ArgNames({"M", "N", "distinct"})
    ->Args({65537, 10, 0})
    ->Args({65537, 100, 0})
    ->Args({65537, 1000, 0})
    ->Args({655373, 1000, 0})
    ->Args({65537, 360, 1})
    ->Args({65537, 1000, 1})
    ->Args({655373, 1000, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice

BENCHMARK_MAIN();
