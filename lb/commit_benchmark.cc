// Control-plane costs against the real datapath maps (loaded, not
// attached): commit latency of small changes, replacing the whole blacklist
// with 1,000,000 prefixes, adding many VIPs one RPC at a time, and commit
// latency percentiles while BPF_PROG_TEST_RUN keeps the program busy.
// Run: ./build/lb/commit_benchmark   (numbers: docs/benchmarks.md)
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "base/packet/packet_builder.h"
#include "base/testing/prog_test_run.h"
#include "lb/load_balancer.h"

namespace sluice::lb {
namespace {

namespace t = sluice::testing;

template <typename T>
T Must(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    fprintf(stderr, "commit_benchmark: %s: %s\n", what, v.status().ToString().c_str());
    std::abort();
  }
  return std::move(*v);
}

// Map sizes of the small-configuration benchmarks.
XdpDatapathOptions Sized(uint32_t max_prefixes) {
  XdpDatapathOptions o;
  o.max_vips = 1024;
  o.max_backends = 16384;
  o.ring_pool_entries = 16 * 65537;
  o.conntrack_entries = 4096;
  o.max_prefixes = max_prefixes;
  return o;
}

struct Fixture {
  std::string pin_dir = absl::StrCat("/sys/fs/bpf/sluice-bench-", getpid());
  std::unique_ptr<XdpDatapath> datapath;
  std::unique_ptr<LoadBalancer> lb;

  explicit Fixture(XdpDatapathOptions o) {
    o.pin_dir = pin_dir;
    datapath = Must(XdpDatapath::Open(o), "opening the datapath");
    LoadBalancerOptions lo;
    lo.encap_src_v4 = *ParseIpPrefix("172.16.0.0/16");
    lo.encap_src_v6 = *ParseIpPrefix("fd00::/96");
    lb = Must(LoadBalancer::Create(datapath.get(), Must(GracePeriod::Create(), "grace period"), lo,
                                   [](const IpAddress&) { return NextHopMac{true, {}}; }),
              "creating the load balancer");
  }
  ~Fixture() {
    lb.reset();
    datapath.reset();
    std::system(absl::StrCat("rm -rf ", pin_dir).c_str());
  }
};

std::string Ipv4Text(uint32_t a) {
  return absl::StrCat(a >> 24, ".", (a >> 16) & 255, ".", (a >> 8) & 255, ".", a & 255);
}
constexpr uint32_t Ipv4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

// `count` consecutive IPv4 prefixes of length `len`, the first at `start`.
std::vector<IpPrefix> Prefixes(uint32_t start, int count, int len) {
  std::vector<IpPrefix> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    uint32_t a = start + (static_cast<uint32_t>(i) << (32 - len));
    out.push_back(*ParseIpPrefix(absl::StrCat(Ipv4Text(a), "/", len)));
  }
  return out;
}

// VIP i is 10.<i/256>.<i%256>.10:80/tcp; its backend j is 100.64.0.0 + 16i + j + 1.
VipKey VipAt(int i) {
  return {*ParseIpAddress(Ipv4Text(Ipv4(10, 0, 0, 10) + (i << 8))), 80, IPPROTO_TCP};
}
IpAddress BackendAt(int vip, int j) {
  return *ParseIpAddress(Ipv4Text(Ipv4(100, 64, 0, 0) + 16 * vip + j + 1));
}

// What an orchestrator sends for one new service: AddVip, then one AddBackend
// per backend (1 + backends commits).
absl::Status AddVipWithBackends(LoadBalancer& lb, int vip, int backends, uint32_t ring_size) {
  absl::Status s = lb.AddVip(VipAt(vip), HashMode::kFiveTuple, ring_size);
  for (int j = 0; j < backends && s.ok(); ++j) s = lb.AddBackend(VipAt(vip), BackendAt(vip, j), 100);
  return s;
}

void SkipIfError(benchmark::State& state, const absl::Status& s) {
  if (!s.ok()) state.SkipWithError(s.ToString().c_str());
}

// One commit that changes a VIP's Maglev table (65537 entries) and flips.
void BM_CommitBackendWeight(benchmark::State& state) {
  Fixture f(Sized(1024));
  SkipIfError(state, AddVipWithBackends(*f.lb, 0, 10, 0));
  uint32_t w = 1;
  for (auto _ : state) {
    SkipIfError(state, f.lb->SetBackendWeight(VipAt(0), BackendAt(0, 0), w++ % 200 + 1));
  }
}
BENCHMARK(BM_CommitBackendWeight)->Unit(benchmark::kMillisecond)->Iterations(50);

// One commit adding a single blacklist entry next to `range(0)` existing ones.
void BM_CommitBlacklistAdd(benchmark::State& state) {
  Fixture f(Sized(1 << 20));
  SkipIfError(state, f.lb->ReplaceBlacklist({Prefixes(Ipv4(10, 0, 0, 0), state.range(0), 32), {}}).status());
  int n = 0;
  for (auto _ : state) {
    SkipIfError(state, f.lb->AddToBlacklist({Prefixes(Ipv4(11, 0, 0, 0) + n++, 1, 32), {}}).status());
  }
}
BENCHMARK(BM_CommitBlacklistAdd)->Arg(1)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(20);

// Replacing an empty blacklist with N prefixes, as `lbctl blacklist push`.
void BM_ReplaceBlacklist(benchmark::State& state) {
  BlacklistChange list{Prefixes(Ipv4(1, 0, 0, 0), state.range(0), 24), {}};
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<Fixture>(Sized(1 << 21));
    state.ResumeTiming();
    SkipIfError(state, f->lb->ReplaceBlacklist(list).status());
    state.PauseTiming();
    f.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_ReplaceBlacklist)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

// ---- Many VIPs, one RPC per change -------------------------------------------

constexpr int kMaxBenchVips = 10000;
constexpr int kBackendsPerVip = 10;
constexpr uint32_t kSmallRing = 1021;   // prime; 10,000 x 65,537 entries would need 5.2 GB

// A datapath sized for 10,000 VIPs x 10 backends with 1021-entry rings (one
// spare ring: a commit writes the new table before it frees the old one).
XdpDatapathOptions SizedForManyVips() {
  XdpDatapathOptions o = Sized(1024);
  o.max_vips = kMaxBenchVips;
  o.max_backends = kMaxBenchVips * kBackendsPerVip;
  o.ring_pool_entries = (kMaxBenchVips + 1) * kSmallRing;
  return o;
}

// Adds range(0) VIPs with 10 backends each through the API, one commit per
// AddVip / AddBackend (11 per VIP). Each commit waits an RCU grace period,
// so all 10,000 VIPs (110,000 commits) would take ~30 min: the counters
// extrapolate from range(0) VIPs.
void BM_AddVipsWithBackends(benchmark::State& state) {
  const int vips = state.range(0);
  Fixture f(SizedForManyVips());
  double seconds = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < vips && !state.error_occurred(); ++i) {
      SkipIfError(state, AddVipWithBackends(*f.lb, i, kBackendsPerVip, kSmallRing));
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  state.counters["total_s"] = seconds;
  state.counters["per_vip_ms"] = 1e3 * seconds / vips;
  state.counters["per_commit_ms"] = 1e3 * seconds / (vips * (1 + kBackendsPerVip));
  state.counters["est_10k_vips_s"] = seconds / vips * kMaxBenchVips;
}
BENCHMARK(BM_AddVipsWithBackends)->Arg(200)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

// ---- Commit latency percentiles under load ---------------------------------

// Runs the loaded lb_xdp program on `packet` with BPF_PROG_TEST_RUN in a loop
// on its own thread, from construction until destruction.
class Traffic {
 public:
  Traffic(int prog_fd, std::vector<uint8_t> packet)
      : thread_([this, prog_fd, packet = std::move(packet)] {
          while (!stop_) {
            auto r = t::RunProg(prog_fd, packet);
            ++(r.ok() && r->verdict == XDP_TX ? forwarded_ : other_);
          }
        }) {}
  ~Traffic() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t forwarded() const { return forwarded_; }
  uint64_t other() const { return other_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> forwarded_{0}, other_{0};
  std::thread thread_;
};

// Nearest-rank percentile of sorted `v`.
double Percentile(const std::vector<double>& v, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p * v.size()));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

enum class CommitKind { kRingChange, kAdd1To100k, kAdd1000, kReplace10k };

// One VIP with 10 backends (65,537-entry ring) takes the traffic; the
// blacklist holds 100,000 /32s (list of 10,000 for the replace). Each
// iteration is one commit of `kind`, timed on its own; p50/p99/max are
// counters in ms, forwarded_pkts the test runs that ended in XDP_TX.
void BM_CommitUnderLoad(benchmark::State& state, CommitKind kind) {
  Fixture f(Sized(1 << 20));
  SkipIfError(state, AddVipWithBackends(*f.lb, 0, kBackendsPerVip, 0));
  const BlacklistChange lists[2] = {{Prefixes(Ipv4(20, 0, 0, 0), 10000, 32), {}},
                                    {Prefixes(Ipv4(21, 0, 0, 0), 10000, 32), {}}};
  if (kind == CommitKind::kReplace10k) {
    SkipIfError(state, f.lb->ReplaceBlacklist(lists[0]).status());
  } else if (kind != CommitKind::kRingChange) {
    SkipIfError(state, f.lb->ReplaceBlacklist({Prefixes(Ipv4(10, 0, 0, 0), 100000, 32), {}}).status());
  }
  auto commit = [&](int n) -> absl::Status {
    switch (kind) {
      case CommitKind::kRingChange:
        return f.lb->SetBackendWeight(VipAt(0), BackendAt(0, 0), n % 200 + 1);
      case CommitKind::kAdd1To100k:
        return f.lb->AddToBlacklist({Prefixes(Ipv4(11, 0, 0, 0) + n, 1, 32), {}}).status();
      case CommitKind::kAdd1000:
        return f.lb->AddToBlacklist({Prefixes(Ipv4(12, 0, 0, 0) + 1000 * n, 1000, 32), {}}).status();
      case CommitKind::kReplace10k:   // 10,000 deletes + 10,000 inserts per copy
        return f.lb->ReplaceBlacklist(lists[(n + 1) % 2]).status();
    }
    return absl::InternalError("unknown kind");
  };

  Traffic traffic(f.datapath->program_fd(),
                  t::PacketBuilder().Eth("02:00:00:00:00:01", "02:00:00:00:00:02")
                      .Ipv4("192.0.2.1", Ipv4Text(Ipv4(10, 0, 0, 10)).c_str())
                      .Tcp(1000, 80, t::TcpFlags::kSyn).Build());
  std::vector<double> ms;
  int n = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    absl::Status s = commit(n++);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    SkipIfError(state, s);
  }
  traffic.Stop();
  if (ms.empty()) return;
  if (traffic.forwarded() == 0 || traffic.other() != 0) {
    state.SkipWithError("the traffic thread's packets were not all forwarded");
  }
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = Percentile(ms, 0.50);
  state.counters["p99_ms"] = Percentile(ms, 0.99);
  state.counters["max_ms"] = ms.back();
  state.counters["forwarded_pkts"] = traffic.forwarded();
}
BENCHMARK_CAPTURE(BM_CommitUnderLoad, ring_change, CommitKind::kRingChange)
    ->Unit(benchmark::kMillisecond)->Iterations(200)->UseRealTime();
BENCHMARK_CAPTURE(BM_CommitUnderLoad, add_1_to_100k, CommitKind::kAdd1To100k)
    ->Unit(benchmark::kMillisecond)->Iterations(200)->UseRealTime();
BENCHMARK_CAPTURE(BM_CommitUnderLoad, add_1000, CommitKind::kAdd1000)
    ->Unit(benchmark::kMillisecond)->Iterations(200)->UseRealTime();
BENCHMARK_CAPTURE(BM_CommitUnderLoad, replace_10k, CommitKind::kReplace10k)
    ->Unit(benchmark::kMillisecond)->Iterations(100)->UseRealTime();

}  // namespace
}  // namespace sluice::lb

BENCHMARK_MAIN();
