// Per-path cost of the datapath under BPF_PROG_TEST_RUN: kernel-measured
// ns/packet of each path through the XDP load balancer and the tc node
// datapath, and its ratio to the floor (a trivial XDP program) measured in
// the same process. Method: datapath/bench/bench_run.h; results and how to
// read them: docs/benchmarks.md, "Per-path cost".
//
//   sudo taskset -c 1 ./build/datapath/bench/path_benchmark
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <vector>

#include "base/status_macros.h"
#include "benchmark/benchmark.h"
#include "datapath/bench/bench_run.h"
#include "datapath/bench/tc_setup.h"
#include "datapath/bench/xdp_setup.h"
#include "base/packet/packet_builder.h"

namespace sluice::bench {
namespace {

constexpr int64_t kIterations = 100000;
// The repeated variants: an XDP test run with repeat > 1 installs the
// program in the XDP dispatcher and removes it again, two RCU grace periods
// per call, so these make few calls of many runs.
constexpr int64_t kRepeatedCalls = 20;
constexpr int64_t kRepeat = 10000;

void PerPath(benchmark::internal::Benchmark* b) { KernelTimed(b, kIterations); }
void Repeated(benchmark::internal::Benchmark* b) {
  KernelTimed(b, kRepeatedCalls)->ArgName("repeat")->Arg(kRepeat);
}

// --- The XDP load balancer ---------------------------------------------------

const IpAddress kClient4("198.51.100.1");
const IpAddress kClient6("2001:db8:1::1");
const IpAddress kVip4("203.0.113.10");
const IpAddress kVip6("2001:db8:10::10");
const IpAddress kBackend4("10.1.0.1");
const IpAddress kBackend6("fd00:1::1");
const IpAddress kUnresolvedVip4("203.0.113.11");  // its backend has no MAC
const IpAddress kUnresolvedBackend4("10.1.0.3");
const IpAddress kNotVip("10.20.30.40");
const IpAddress kBlacklistedArp("192.0.2.66");
const IpAddress kBlacklisted4("192.0.2.7");
const IpAddress kBlacklisted6("2001:db8:bad::7");
constexpr uint32_t kRingSize = 65537;  // lbd's default Maglev table size

// Two VIPs (IPv4, IPv6; port 80 and the address markers lbd keeps), each
// with its own Maglev table naming one backend; a third VIP whose backend's
// next hop is unresolved; one blacklisted ARP sender; a few blacklisted
// source prefixes of each family.
absl::StatusOr<std::unique_ptr<XdpLb>> MakeLb() {
  LbXdpMapSizes sizes = SmallXdpSizes();
  sizes.ring_pool_entries = 3 * kRingSize;
  ASSIGN_OR_RETURN(std::unique_ptr<XdpLb> lb, XdpLb::Load(sizes));
  RETURN_IF_ERROR(lb->PutBackend(1, kBackend4));
  RETURN_IF_ERROR(lb->PutBackend(2, kBackend6));
  RETURN_IF_ERROR(lb->PutRing(0, kRingSize, 1));
  RETURN_IF_ERROR(lb->PutRing(kRingSize, kRingSize, 2));
  RETURN_IF_ERROR(lb->PutBackend(3, kUnresolvedBackend4, /*resolved=*/false));
  RETURN_IF_ERROR(lb->PutRing(2 * kRingSize, kRingSize, 3));
  RETURN_IF_ERROR(lb->PutVips(
      {VipKey(kVip4, 80, IPPROTO_TCP), VipKey(kVip4, 0, 0),
       VipKey(kVip6, 80, IPPROTO_TCP), VipKey(kVip6, 0, 0),
       VipKey(kUnresolvedVip4, 80, IPPROTO_TCP)},
      {VipMeta(1, 0, kRingSize), {}, VipMeta(2, kRingSize, kRingSize), {},
       VipMeta(3, 2 * kRingSize, kRingSize)}));
  RETURN_IF_ERROR(lb->BlacklistArp(kBlacklistedArp));
  RETURN_IF_ERROR(lb->BlacklistV4({V4Prefix("192.0.2.0", 24),
                                   V4Prefix("198.18.0.0", 15),
                                   V4Prefix("100.64.0.0", 10)}));
  RETURN_IF_ERROR(lb->BlacklistV6(
      {V6Prefix("2001:db8:bad::", 48), V6Prefix("fc00::", 7)}));
  return lb;
}

XdpLb* Lb(benchmark::State& state) {
  return SharedFixture<XdpLb>(state, "xdp", MakeLb);
}

bool V6(const benchmark::State& state) { return state.range(0) == 6; }

// The floor itself; with repeat > 1 the kernel's per-run timer overhead is
// spread over the repeats, showing how much of the floor is the harness.
void BM_Floor(benchmark::State& state) {
  Measured m;
  m.prog_fd = FloorProgFd();
  m.verdict = XDP_PASS;
  m.repeat = state.range(0);
  TimeRuns(state, m, {FloorPacket()}).IgnoreError();
}
BENCHMARK(BM_Floor)->Apply(PerPath)->ArgName("repeat")->Arg(1);
BENCHMARK(BM_Floor)->Apply(Repeated);

// TCP to an address that is no VIP: parse, source check, VIP miss, pass.
// The packet is left as it was, so repeat > 1 is valid here too.
void BM_XdpNonVipPass(benchmark::State& state) {
  XdpLb* lb = Lb(state);
  if (!lb) return;
  Measured m = lb->Path(XDP_PASS, lb->Verdict(XDP_PASS));
  m.repeat = state.range(0);
  TimeRuns(state, m, {LbFrame(kClient4, 40000, kNotVip, 443)}).IgnoreError();
}
BENCHMARK(BM_XdpNonVipPass)->Apply(PerPath)->ArgName("repeat")->Arg(1);
BENCHMARK(BM_XdpNonVipPass)->Apply(Repeated);

void BM_XdpArpBlacklistDrop(benchmark::State& state) {
  XdpLb* lb = Lb(state);
  if (!lb) return;
  const Bytes arp = testing::PacketBuilder()
                        .Eth(kClientMac, "ff:ff:ff:ff:ff:ff")
                        .Arp(testing::ArpOp::kRequest, kClientMac,
                             kBlacklistedArp, {}, kVip4)
                        .Build();
  TimeRuns(state, lb->Path(XDP_DROP, lb->Drop(SLUICE_DROP_ARP_BLACKLIST)),
           {arp})
      .IgnoreError();
}
BENCHMARK(BM_XdpArpBlacklistDrop)->Apply(PerPath);

// A VIP packet from a blacklisted source prefix.
void BM_XdpSourcePrefixDrop(benchmark::State& state) {
  XdpLb* lb = Lb(state);
  if (!lb) return;
  const Bytes p = V6(state) ? LbFrame(kBlacklisted6, 40000, kVip6, 80)
                            : LbFrame(kBlacklisted4, 40000, kVip4, 80);
  TimeRuns(state,
           lb->Path(XDP_DROP, lb->Drop(V6(state) ? SLUICE_DROP_SRC_BLACKLIST_V6
                                                 : SLUICE_DROP_SRC_BLACKLIST_V4)),
           {p})
      .IgnoreError();
}
BENCHMARK(BM_XdpSourcePrefixDrop)->Apply(PerPath)->ArgName("ip")->Arg(4)->Arg(6);

// A new flow: connection-table miss, Maglev pick, entry written, IPIP
// encapsulation, XDP_TX. After each run the entry is deleted (untimed), so
// the same packet misses again.
void BM_XdpVipNewFlow(benchmark::State& state) {
  XdpLb* lb = Lb(state);
  if (!lb) return;
  const bool v6 = V6(state);
  const IpAddress& client = v6 ? kClient6 : kClient4;
  const IpAddress& vip = v6 ? kVip6 : kVip4;
  Measured m = lb->Path(XDP_TX, lb->Counter(SLUICE_CTR_CT_MISS));
  const sluice_flow_key flow = TcpFlow(client, 40001, vip, 80);
  m.after_run = [lb, flow](const Bytes&) { lb->ForgetFlow(flow).IgnoreError(); };
  TimeRuns(state, m, {LbFrame(client, 40001, vip, 80)}).IgnoreError();
}
BENCHMARK(BM_XdpVipNewFlow)->Apply(PerPath)->ArgName("ip")->Arg(4)->Arg(6);

// An established flow: connection-table hit, encapsulation, XDP_TX.
void BM_XdpVipEstablished(benchmark::State& state) {
  XdpLb* lb = Lb(state);
  if (!lb) return;
  const bool v6 = V6(state);
  TimeRuns(state, Primed(lb->Path(XDP_TX, lb->Counter(SLUICE_CTR_CT_HIT))),
           {LbFrame(v6 ? kClient6 : kClient4, 40000, v6 ? kVip6 : kVip4, 80)})
      .IgnoreError();
}
BENCHMARK(BM_XdpVipEstablished)->Apply(PerPath)->ArgName("ip")->Arg(4)->Arg(6);

// The established path up to the backend, dropped there (its next hop is
// unresolved): everything VIP established does but the VIP and backend
// counters and the encapsulation, which the difference between the two is.
void BM_XdpVipEstablishedNoNextHop(benchmark::State& state) {
  XdpLb* lb = Lb(state);
  if (!lb) return;
  TimeRuns(state, Primed(lb->Path(XDP_DROP, lb->Counter(SLUICE_CTR_CT_HIT))),
           {LbFrame(kClient4, 40000, kUnresolvedVip4, 80)})
      .IgnoreError();
}
BENCHMARK(BM_XdpVipEstablishedNoNextHop)->Apply(PerPath);

// --- The tc node datapath ----------------------------------------------------

const IpAddress kService4("10.96.0.10");
const IpAddress kSvcBackend4("10.0.2.3");
const IpAddress kPeer4("10.0.3.4");
constexpr uint32_t kIngressPolicy = 20;

// The endpoint with an ingress policy of a few rules (as lbd folds them:
// the /32's entry carries the rules of the prefixes covering it), and one
// service with one backend.
absl::StatusOr<std::unique_ptr<NodeDp>> MakeNode() {
  ASSIGN_OR_RETURN(std::unique_ptr<NodeDp> dp, NodeDp::Load(SmallNodeSizes()));
  RETURN_IF_ERROR(dp->PutEndpoint(kIngressPolicy));
  RETURN_IF_ERROR(dp->PutServices({{kService4, 80, kSvcBackend4, 8080}}));
  const sluice_policy_rule no_ssh =
      PolicyRuleValue(1, SLUICE_POLICY_DENY, IPPROTO_TCP, 22, 22);
  const std::vector<sluice_policy_rule> subnet = {
      no_ssh,
      PolicyRuleValue(2, SLUICE_POLICY_ALLOW, IPPROTO_TCP, 80, 80),
      PolicyRuleValue(3, SLUICE_POLICY_DENY, IPPROTO_TCP, 443, 443),
      PolicyRuleValue(4, SLUICE_POLICY_ALLOW, IPPROTO_UDP, 53, 53),
  };
  std::vector<sluice_policy_rule> host = subnet;
  host.push_back(PolicyRuleValue(5, SLUICE_POLICY_ALLOW, IPPROTO_TCP, 8000, 8099));
  RETURN_IF_ERROR(dp->PutPolicy(kIngressPolicy, {{"10.0.0.0", 8, {no_ssh}},
                                                 {"10.0.3.0", 24, subnet},
                                                 {kPeer4, 32, host}}));
  return dp;
}

NodeDp* Node(benchmark::State& state) {
  return SharedFixture<NodeDp>(state, "tc", MakeNode);
}

// The tc reference point: an interface with no endpoint (one hash lookup,
// counters, pass); the difference to the XDP floor is the skb test-run
// harness and that lookup.
void BM_TcNoEndpointPass(benchmark::State& state) {
  auto dp = SharedFixture<NodeDp>(state, "tc-empty", [] {
    return NodeDp::Load(SmallNodeSizes());
  });
  if (!dp) return;
  TimeRuns(state,
           dp->FromEndpoint(TC_ACT_OK, dp->Counter(SLUICE_NODE_CTR_NOT_ENDPOINT)),
           {SentFrame(kEndpoint4, 40000, kPeer4, 80)})
      .IgnoreError();
}
BENCHMARK(BM_TcNoEndpointPass)->Apply(PerPath);

// A packet of an established connection to a service (service and
// connection entries exist): DNAT to the backend, pass.
void BM_TcServiceDnatEstablished(benchmark::State& state) {
  NodeDp* dp = Node(state);
  if (!dp) return;
  TimeRuns(state,
           Primed(dp->FromEndpoint(TC_ACT_OK,
                                   dp->Counter(SLUICE_NODE_CTR_CT_FORWARD))),
           {SentFrame(kEndpoint4, 40000, kService4, 80)})
      .IgnoreError();
}
BENCHMARK(BM_TcServiceDnatEstablished)->Apply(PerPath);

// The backend's reply to that connection, delivered to the endpoint:
// connection-table hit, reverse NAT to the service address, pass (replies
// skip the ingress policy).
void BM_TcReverseNat(benchmark::State& state) {
  NodeDp* dp = Node(state);
  if (!dp) return;
  absl::Status opened = Prime(dp->FromEndpoint(TC_ACT_OK, {}),
                              {SentFrame(kEndpoint4, 40000, kService4, 80)});
  if (!OkOrSkip(state, opened)) return;
  TimeRuns(state, dp->ToEndpoint(TC_ACT_OK, dp->Counter(SLUICE_NODE_CTR_REV_NAT)),
           {DeliveredFrame(kSvcBackend4, 8080, kEndpoint4, 40000)})
      .IgnoreError();
}
BENCHMARK(BM_TcReverseNat)->Apply(PerPath);

// A peer's packet of an established connection to the endpoint, judged by
// the ingress policy (every packet is): the peer's entry holds 5 rules; an
// allowing rule does not end the scan (a later deny would win).
void BM_TcPolicyAllow(benchmark::State& state) {
  NodeDp* dp = Node(state);
  if (!dp) return;
  TimeRuns(state,
           Primed(dp->ToEndpoint(TC_ACT_OK,
                                 dp->Counter(SLUICE_NODE_CTR_POLICY_ALLOW))),
           {DeliveredFrame(kPeer4, 40000, kEndpoint4, 80)})
      .IgnoreError();
}
BENCHMARK(BM_TcPolicyAllow)->Apply(PerPath);

// A peer's packet a deny rule (the third of the entry) drops; the drop is
// reported as a sampled event (32 per 10 ms per CPU, the rest counted).
// The ring buffer is emptied after each run, untimed, as lbd would.
void BM_TcPolicyDeny(benchmark::State& state) {
  NodeDp* dp = Node(state);
  if (!dp) return;
  Measured m = dp->ToEndpoint(TC_ACT_SHOT, dp->Drop(SLUICE_DROP_POLICY_DENY));
  m.after_run = [dp](const Bytes&) { dp->DrainEvents(); };
  TimeRuns(state, m, {DeliveredFrame(kPeer4, 40000, kEndpoint4, 443)})
      .IgnoreError();
}
BENCHMARK(BM_TcPolicyDeny)->Apply(PerPath);

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) { return sluice::bench::Main(argc, argv); }
