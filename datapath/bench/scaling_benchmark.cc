// Scaling curves of the datapath under BPF_PROG_TEST_RUN: kernel-measured
// ns/packet as a table grows (VIPs, blacklisted prefixes, connection-table
// entries, services, policy rules). Each size gets its own freshly loaded
// program with its table filled once (bpf_map_update_batch); the map sizes
// are fixed per curve, set before load to hold the largest point, so only
// the number of entries changes along a curve. Every point runs, in the same
// loop, the same path on a second program whose table holds one entry: the
// counter x_n1 is the ratio to it (how much the N entries cost, free of the
// machine's drift between benchmarks); x_floor is the ratio to the floor
// (bench_run.h). docs/benchmarks.md, "Scaling".
//
//   sudo taskset -c 1 ./build/datapath/bench/scaling_benchmark
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line).
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "benchmark/benchmark.h"
#include "datapath/bench/bench_run.h"
#include "datapath/bench/tc_setup.h"
#include "datapath/bench/xdp_setup.h"
#include "datapath/maps/v4_blacklist_layout.h"

namespace sluice::bench {
namespace {

constexpr int64_t kIterations = 30000;
// Each benchmark cycles through min(N, kSpread) packets of different flows /
// sources / services, spread evenly over the table, rather than one packet:
// the curve then averages over entries at different places (trie depths,
// hash buckets) instead of following one.
constexpr size_t kSpread = 64;
constexpr uint32_t kRingSize = 65537;

constexpr uint32_t kMaxVips = 100000;
constexpr uint32_t kMaxPrefixes = 1000000;
constexpr uint32_t kMaxFlows = 1000000;
constexpr uint32_t kMaxServices = 10000;
constexpr uint32_t kMaxPolicyRules = 10000;
constexpr uint32_t kIngressPolicy = 20;

const IpAddress kClient("198.51.100.1");
const IpAddress kVip("203.0.113.10");
const IpAddress kBackend("10.1.0.1");
const IpAddress kNotVip("10.20.30.40");

IpAddress V4(uint32_t host_order) {
  in_addr a;
  a.s_addr = htonl(host_order);
  return a;
}

uint32_t HostOrder(const IpAddress& a) {
  uint32_t n;
  std::memcpy(&n, a.bytes.data(), 4);
  return ntohl(n);
}

uint32_t Mask(uint32_t bits) { return bits == 0 ? 0 : ~0u << (32 - bits); }

// min(n, kSpread) indices spread evenly over [0, n).
std::vector<size_t> Spread(size_t n) {
  const size_t k = std::min(n, kSpread);
  std::vector<size_t> out(k);
  for (size_t j = 0; j < k; ++j) out[j] = j * n / k;
  return out;
}

// A loaded program with its table filled, and the packets to run on it
// (`other`: a second set, e.g. sources no prefix matches).
template <typename Dp>
struct Filled {
  std::unique_ptr<Dp> dp;
  std::vector<Bytes> packets;
  std::vector<Bytes> other;
};
using FilledXdp = Filled<XdpLb>;
using FilledNode = Filled<NodeDp>;

template <typename Dp>
using FillFn = absl::StatusOr<std::unique_ptr<Filled<Dp>>> (*)(uint32_t n);
template <typename Dp>
using PathFn = Measured (*)(const Dp& dp);

// One point of a curve: the path on the table filled with N =
// state.range(0) entries, against the same path on a table of one entry
// (reference "n1", in the same loop). `other`: run the fixtures' second set
// of packets; `max_packets`: only the first ones of the set.
template <typename Dp>
void Point(benchmark::State& state, const std::string& table, FillFn<Dp> fill,
           PathFn<Dp> path, bool other = false, size_t max_packets = kSpread) {
  const auto n = static_cast<uint32_t>(state.range(0));
  Filled<Dp>* f = SharedFixture<Filled<Dp>>(
      state, absl::StrCat(table, "/", n), [&] { return fill(n); });
  Filled<Dp>* one = SharedFixture<Filled<Dp>>(
      state, absl::StrCat(table, "/1"), [&] { return fill(1); },
      Slot::kReference);
  if (!f || !one) return;
  auto first = [max_packets](const std::vector<Bytes>& all) {
    return std::vector<Bytes>(
        all.begin(), all.begin() + std::min(all.size(), max_packets));
  };
  const Filled<Dp>& ref = *one;
  const Reference n1{"n1", path(*ref.dp),
                     first(other ? ref.other : ref.packets)};
  TimeRuns(state, path(*f->dp), first(other ? f->other : f->packets), {n1})
      .IgnoreError();
}

void PowersOfTen(benchmark::internal::Benchmark* b, int64_t max) {
  KernelTimed(b, kIterations);
  for (int64_t n = 1; n <= max; n *= 10) b->Arg(n);
}

// An XDP load balancer with one backend and one Maglev table.
absl::StatusOr<std::unique_ptr<XdpLb>> LoadLb(const LbXdpMapSizes& sizes) {
  ASSIGN_OR_RETURN(std::unique_ptr<XdpLb> lb, XdpLb::Load(sizes));
  RETURN_IF_ERROR(lb->PutBackend(1, kBackend));
  RETURN_IF_ERROR(lb->PutRing(0, kRingSize, 1));
  return lb;
}

LbXdpMapSizes LbSizes() {
  LbXdpMapSizes sizes = SmallXdpSizes();
  sizes.ring_pool_entries = kRingSize;
  return sizes;
}

// --- VIPs: 1 .. 100,000 --------------------------------------------------------

// n VIPs 172.16.0.0 + i, port 80/tcp, sharing one Maglev table; packets:
// established flows to min(n, kSpread) of them.
absl::StatusOr<std::unique_ptr<FilledXdp>> FillVips(uint32_t n) {
  LbXdpMapSizes sizes = LbSizes();
  sizes.max_vips = kMaxVips + 1;   // vip ids 1..n
  auto f = std::make_unique<FilledXdp>();
  ASSIGN_OR_RETURN(f->dp, LoadLb(sizes));
  const uint32_t base = HostOrder("172.16.0.0");
  std::vector<sluice_vip_key> keys(n);
  std::vector<sluice_vip_meta> metas(n);
  for (uint32_t i = 0; i < n; ++i) {
    keys[i] = VipKey(V4(base + i), 80, IPPROTO_TCP);
    metas[i] = VipMeta(i + 1, 0, kRingSize);
  }
  RETURN_IF_ERROR(f->dp->PutVips(keys, metas));
  for (size_t i : Spread(n)) {
    f->packets.push_back(LbFrame(kClient, 40000, V4(base + i), 80));
  }
  return f;
}

Measured EstablishedVip(const XdpLb& lb) {
  return Primed(lb.Path(XDP_TX, lb.Counter(SLUICE_CTR_CT_HIT)));
}

// packets (state.range(1)): established flows to min(N, 64) VIPs, or to
// one VIP only (the table's size alone, without the spread of the flows).
void BM_Vips(benchmark::State& state) {
  Point<XdpLb>(state, "vips", FillVips, EstablishedVip, false,
               static_cast<size_t>(state.range(1)));
}
BENCHMARK(BM_Vips)
    ->ArgNames({"vips", "packets"})
    ->Apply([](benchmark::internal::Benchmark* b) {
      KernelTimed(b, kIterations);
      for (int64_t n = 1; n <= kMaxVips; n *= 10) {
        b->Args({n, static_cast<int64_t>(kSpread)})->Args({n, 1});
      }
    });

// --- Source blacklist: 1 .. 1,000,000 IPv4 prefixes ----------------------------

// n distinct random prefixes /24../32 in 1.0.0.0 - 223.255.255.255; packets
// (to a non-VIP address): from min(n, kSpread) of the prefixes (a random
// host in each), and from as many random addresses no prefix covers.
absl::StatusOr<std::unique_ptr<FilledXdp>> FillPrefixes(uint32_t n) {
  LbXdpMapSizes sizes = LbSizes();
  sizes.max_prefixes = kMaxPrefixes;
  auto f = std::make_unique<FilledXdp>();
  ASSIGN_OR_RETURN(f->dp, LoadLb(sizes));
  std::mt19937 rng(n);
  std::uniform_int_distribution<uint32_t> addr(HostOrder("1.0.0.0"),
                                               HostOrder("223.255.255.255"));
  std::uniform_int_distribution<uint32_t> bits(24, 32);
  auto id = [](uint32_t a, uint32_t len) { return uint64_t{a} << 8 | len; };
  std::unordered_set<uint64_t> seen;
  seen.reserve(n * 2);
  std::vector<IpPrefix> keys;
  keys.reserve(n);
  while (keys.size() < n) {
    const uint32_t len = bits(rng), a = addr(rng) & Mask(len);
    if (!seen.insert(id(a, len)).second) continue;
    keys.push_back(V4Prefix(V4(a), len));
  }
  RETURN_IF_ERROR(f->dp->BlacklistV4(keys));
  for (size_t i : Spread(n)) {
    const uint32_t len = keys[i].length;
    const uint32_t host = rng() & ~Mask(len);
    f->packets.push_back(
        LbFrame(V4(V4HostOrder(keys[i].address) | host), 40000, kNotVip, 80));
  }
  auto covered = [&](uint32_t a) {
    for (uint32_t len = 24; len <= 32; ++len) {
      if (seen.count(id(a & Mask(len), len))) return true;
    }
    return false;
  };
  while (f->other.size() < f->packets.size()) {
    const uint32_t a = addr(rng);
    if (!covered(a)) f->other.push_back(LbFrame(V4(a), 40000, kNotVip, 80));
  }
  return f;
}

// case (state.range(1)): 0 = sources no prefix covers (the packet passes:
// every packet that is not dropped pays this lookup), 1 = sources in
// min(N, 64) different prefixes (dropped), 2 = one source, in one prefix
// (dropped; the same trie path every time, as a flood from one /24).
void BM_SourcePrefixes(benchmark::State& state) {
  const PathFn<XdpLb> drop = [](const XdpLb& lb) {
    return lb.Path(XDP_DROP, lb.Drop(SLUICE_DROP_SRC_BLACKLIST_V4));
  };
  const PathFn<XdpLb> pass = [](const XdpLb& lb) {
    return lb.Path(XDP_PASS, lb.Verdict(XDP_PASS));
  };
  switch (state.range(1)) {
    case 0:
      Point<XdpLb>(state, "prefixes", FillPrefixes, pass, /*other=*/true);
      break;
    case 1:
      Point<XdpLb>(state, "prefixes", FillPrefixes, drop);
      break;
    default:
      Point<XdpLb>(state, "prefixes", FillPrefixes, drop, false, 1);
  }
}
BENCHMARK(BM_SourcePrefixes)
    ->ArgNames({"prefixes", "case"})
    ->Apply([](benchmark::internal::Benchmark* b) {
      KernelTimed(b, kIterations);
      for (int64_t n = 1; n <= kMaxPrefixes; n *= 10) {
        b->Args({n, 0})->Args({n, 1})->Args({n, 2});
      }
    });

// The one-source flood again, with the kernel's repeat: 10,000 runs per
// call, back to back on one CPU, as a NIC's batches arrive (no syscall in
// between to cool the caches and the branch predictors). Few calls: an XDP
// test run with repeat > 1 swaps the program into the XDP dispatcher and
// back, two RCU grace periods per call.
void BM_SourcePrefixesRepeated(benchmark::State& state) {
  Point<XdpLb>(
      state, "prefixes", FillPrefixes,
      [](const XdpLb& lb) {
        Measured m = lb.Path(XDP_DROP, lb.Drop(SLUICE_DROP_SRC_BLACKLIST_V4));
        m.repeat = 10000;
        return m;
      },
      false, 1);
}
BENCHMARK(BM_SourcePrefixesRepeated)
    ->ArgName("prefixes")
    ->Apply([](benchmark::internal::Benchmark* b) {
      KernelTimed(b, 20);
      for (int64_t n = 1; n <= kMaxPrefixes; n *= 100) b->Arg(n);
    });

// --- Connection table: 1 .. 1,000,000 entries ---------------------------------

// n established flows (16.0.0.0 + i):40000 -> the VIP, written by user
// space into the LRU table; packets: min(n, kSpread) of those flows. The
// table holds kMaxFlows per CPU (BPF_F_NO_COMMON_LRU gives each CPU
// max_entries / CPUs; the process is pinned to one), so nothing is evicted.
absl::StatusOr<std::unique_ptr<FilledXdp>> FillFlows(uint32_t n) {
  LbXdpMapSizes sizes = LbSizes();
  sizes.conntrack_entries = kMaxFlows * libbpf_num_possible_cpus();
  auto f = std::make_unique<FilledXdp>();
  ASSIGN_OR_RETURN(f->dp, LoadLb(sizes));
  RETURN_IF_ERROR(f->dp->PutVips({VipKey(kVip, 80, IPPROTO_TCP)},
                                 {{1, 0, 0, kRingSize}}));
  const uint32_t base = HostOrder("16.0.0.0");
  std::vector<sluice_flow_key> flows(n);
  for (uint32_t i = 0; i < n; ++i) {
    flows[i] = TcpFlow(V4(base + i), 40000, kVip, 80);
  }
  RETURN_IF_ERROR(f->dp->PutFlows(flows, 1));
  if (!f->dp->HasFlow(flows.front()) || !f->dp->HasFlow(flows.back())) {
    return absl::ResourceExhaustedError(
        "the connection table evicted entries while being filled");
  }
  for (size_t i : Spread(n)) {
    f->packets.push_back(LbFrame(V4(base + i), 40000, kVip, 80));
  }
  return f;
}

void BM_Connections(benchmark::State& state) {
  // The flows are in the table already: no priming.
  Point<XdpLb>(state, "flows", FillFlows, [](const XdpLb& lb) {
    return lb.Path(XDP_TX, lb.Counter(SLUICE_CTR_CT_HIT));
  });
}
BENCHMARK(BM_Connections)->ArgName("flows")->Apply([](benchmark::internal::Benchmark* b) {
  PowersOfTen(b, kMaxFlows);
});

// --- tc: services 1 .. 10,000 ----------------------------------------------------

// n services 10.96.0.0 + i:80/tcp, each with its own Maglev table and
// backend (10.128.0.0 + i):8080; packets: established connections of the
// endpoint to min(n, kSpread) of them (DNAT).
absl::StatusOr<std::unique_ptr<FilledNode>> FillServices(uint32_t n) {
  NodeMapSizes sizes = SmallNodeSizes();
  sizes.max_services = kMaxServices;
  sizes.max_service_backends = kMaxServices + 1;  // an array: ids 1..n
  auto f = std::make_unique<FilledNode>();
  ASSIGN_OR_RETURN(f->dp, NodeDp::Load(sizes));
  RETURN_IF_ERROR(f->dp->PutEndpoint(0));
  const uint32_t svc = HostOrder("10.96.0.0"), backend = HostOrder("10.128.0.0");
  std::vector<ServiceDef> defs(n);
  for (uint32_t i = 0; i < n; ++i) {
    defs[i] = {V4(svc + i), 80, V4(backend + i), 8080};
  }
  RETURN_IF_ERROR(f->dp->PutServices(defs));
  for (size_t i : Spread(n)) {
    f->packets.push_back(SentFrame(kEndpoint4, 40000, V4(svc + i), 80));
  }
  return f;
}

void BM_Services(benchmark::State& state) {
  Point<NodeDp>(state, "services", FillServices, [](const NodeDp& dp) {
    return Primed(
        dp.FromEndpoint(TC_ACT_OK, dp.Counter(SLUICE_NODE_CTR_CT_FORWARD)));
  });
}
BENCHMARK(BM_Services)->ArgName("services")->Apply([](benchmark::internal::Benchmark* b) {
  PowersOfTen(b, kMaxServices);
});

// --- tc: ingress policy rules 1 .. 10,000 ---------------------------------------

// An ingress policy of n rules "allow tcp/80 from <prefix>", n distinct
// random prefixes /24../32 that do not overlap (each in its own /24 of
// 10.128.0.0/9), so each is one policy entry holding one rule; packets:
// established connections from a random host of min(n, kSpread) prefixes.
absl::StatusOr<std::unique_ptr<FilledNode>> FillPolicy(uint32_t n) {
  NodeMapSizes sizes = SmallNodeSizes();
  sizes.max_policy_prefixes = sizes.max_policy_rules = kMaxPolicyRules + 1;
  auto f = std::make_unique<FilledNode>();
  ASSIGN_OR_RETURN(f->dp, NodeDp::Load(sizes));
  RETURN_IF_ERROR(f->dp->PutEndpoint(kIngressPolicy));
  std::mt19937 rng(n);
  std::vector<uint32_t> blocks(1 << 15);
  std::iota(blocks.begin(), blocks.end(), 0);
  std::shuffle(blocks.begin(), blocks.end(), rng);
  const uint32_t base = HostOrder("10.128.0.0");
  std::vector<PolicyPrefix> entries(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t len = 24 + rng() % 9;
    const uint32_t a = (base + (blocks[i] << 8) + rng() % 256) & Mask(len);
    entries[i] = {V4(a),
                  len,
                  {PolicyRuleValue(i + 1, SLUICE_POLICY_ALLOW, IPPROTO_TCP, 80, 80)}};
  }
  RETURN_IF_ERROR(f->dp->PutPolicy(kIngressPolicy, entries));
  for (size_t i : Spread(n)) {
    const uint32_t host = rng() & ~Mask(entries[i].bits);
    const IpAddress peer = V4(HostOrder(entries[i].addr) | host);
    f->packets.push_back(DeliveredFrame(peer, 40000, kEndpoint4, 80));
  }
  return f;
}

Measured AllowedByPolicy(const NodeDp& dp) {
  return Primed(
      dp.ToEndpoint(TC_ACT_OK, dp.Counter(SLUICE_NODE_CTR_POLICY_ALLOW)));
}

void BM_PolicyRules(benchmark::State& state) {
  Point<NodeDp>(state, "policy", FillPolicy, AllowedByPolicy);
}
BENCHMARK(BM_PolicyRules)->ArgName("rules")->Apply([](benchmark::internal::Benchmark* b) {
  PowersOfTen(b, kMaxPolicyRules);
});

// --- tc: rules that apply to one peer, 1 .. 32 (SLUICE_POLICY_MAX_RULES) -------

// One policy entry (10.0.3.0/24) holding r rules, every one scanned: r - 1
// allow rules for other ports, then the one allowing tcp/80.
absl::StatusOr<std::unique_ptr<FilledNode>> FillRulesPerPeer(uint32_t r) {
  auto f = std::make_unique<FilledNode>();
  ASSIGN_OR_RETURN(f->dp, NodeDp::Load(SmallNodeSizes()));
  RETURN_IF_ERROR(f->dp->PutEndpoint(kIngressPolicy));
  std::vector<sluice_policy_rule> rules;
  for (uint32_t i = 1; i < r; ++i) {
    const auto port = static_cast<uint16_t>(1000 + i);
    rules.push_back(PolicyRuleValue(i, SLUICE_POLICY_ALLOW, IPPROTO_TCP, port, port));
  }
  rules.push_back(PolicyRuleValue(r, SLUICE_POLICY_ALLOW, IPPROTO_TCP, 80, 80));
  RETURN_IF_ERROR(f->dp->PutPolicy(kIngressPolicy, {{"10.0.3.0", 24, rules}}));
  f->packets.push_back(DeliveredFrame("10.0.3.4", 40000, kEndpoint4, 80));
  return f;
}

void BM_PolicyRulesPerPeer(benchmark::State& state) {
  Point<NodeDp>(state, "rules-per-peer", FillRulesPerPeer, AllowedByPolicy);
}
BENCHMARK(BM_PolicyRulesPerPeer)
    ->ArgName("rules")
    ->Apply([](benchmark::internal::Benchmark* b) { KernelTimed(b, kIterations); })
    ->Arg(1)
    ->Arg(8)
    ->Arg(SLUICE_POLICY_MAX_RULES);

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) { return sluice::bench::Main(argc, argv); }
