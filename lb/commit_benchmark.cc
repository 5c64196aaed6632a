// Control-plane costs against the real datapath maps (loaded, not
// attached): commit latency of small changes, and replacing the whole
// blacklist with 1,000,000 prefixes. Run: ./build/lb/commit_benchmark
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lb/load_balancer.h"

namespace sluice::lb {
namespace {

struct Fixture {
  std::string pin_dir = absl::StrCat("/sys/fs/bpf/sluice-bench-", getpid());
  std::unique_ptr<XdpDatapath> datapath;
  std::unique_ptr<LoadBalancer> lb;

  explicit Fixture(uint32_t max_prefixes) {
    XdpDatapathOptions o;
    o.pin_dir = pin_dir;
    o.max_vips = 1024;
    o.max_backends = 16384;
    o.ring_pool_entries = 16 * 65537;
    o.conntrack_entries = 4096;
    o.max_prefixes = max_prefixes;
    datapath = std::move(*XdpDatapath::Open(o));
    LoadBalancerOptions lo;
    lo.encap_src_v4 = *ParseIpPrefix("172.16.0.0/16");
    lo.encap_src_v6 = *ParseIpPrefix("fd00::/96");
    lb = std::move(*LoadBalancer::Create(datapath.get(), std::move(*GracePeriod::Create()), lo,
                                         [](const IpAddress&) { return NextHopMac{true, {}}; }));
  }
  ~Fixture() {
    lb.reset();
    datapath.reset();
    std::system(absl::StrCat("rm -rf ", pin_dir).c_str());
  }
};

IpAddress Ip(const std::string& s) { return *ParseIpAddress(s); }

// One commit that changes a VIP's Maglev table (65537 entries) and flips.
void BM_CommitBackendWeight(benchmark::State& state) {
  Fixture f(1024);
  VipKey vip{Ip("10.0.0.10"), 80, IPPROTO_TCP};
  f.lb->AddVip(vip, HashMode::kFiveTuple, 0).IgnoreError();
  for (int i = 0; i < 10; ++i) f.lb->AddBackend(vip, Ip(absl::StrCat("10.1.0.", i + 1)), 100).IgnoreError();
  uint32_t w = 1;
  for (auto _ : state) {
    absl::Status s = f.lb->SetBackendWeight(vip, Ip("10.1.0.1"), w++ % 200 + 1);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
}
BENCHMARK(BM_CommitBackendWeight)->Unit(benchmark::kMillisecond)->Iterations(50);

// One commit adding a single blacklist entry next to `range(0)` existing ones.
void BM_CommitBlacklistAdd(benchmark::State& state) {
  Fixture f(1 << 20);
  BlacklistChange base;
  for (int i = 0; i < state.range(0); ++i) {
    base.prefixes.push_back(*ParseIpPrefix(absl::StrCat("10.", (i >> 16) & 255, ".", (i >> 8) & 255, ".", i & 255, "/32")));
  }
  f.lb->ReplaceBlacklist(base).IgnoreError();
  int n = 0;
  for (auto _ : state) {
    BlacklistChange one{{*ParseIpPrefix(absl::StrCat("11.0.", (n >> 8) & 255, ".", n & 255, "/32"))}, {}};
    ++n;
    if (!f.lb->AddToBlacklist(one).ok()) state.SkipWithError("add failed");
  }
}
BENCHMARK(BM_CommitBlacklistAdd)->Arg(1)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(20);

// Replacing an empty blacklist with N prefixes, as `lbctl blacklist push`.
void BM_ReplaceBlacklist(benchmark::State& state) {
  BlacklistChange list;
  for (int i = 0; i < state.range(0); ++i) {
    list.prefixes.push_back(*ParseIpPrefix(absl::StrCat(1 + (i >> 16), ".", (i >> 8) & 255, ".", i & 255, ".0/24")));
  }
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<Fixture>(1 << 21);
    state.ResumeTiming();
    if (!f->lb->ReplaceBlacklist(list).ok()) state.SkipWithError("replace failed");
    state.PauseTiming();
    f.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_ReplaceBlacklist)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace sluice::lb

BENCHMARK_MAIN();
