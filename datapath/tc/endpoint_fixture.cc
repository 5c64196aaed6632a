#include "datapath/tc/endpoint_fixture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "datapath/maps/counter_names.h"
#include "datapath/maps/vip_key.h"
#include "datapath/testing/fixture_counters.h"
#include "base/testing/prog_test_run.h"
#include "endpoint.skel.h"

namespace sluice::testing {
namespace {

// The address, or none when default-constructed.
std::optional<::sluice::IpAddress> Optional(const IpAddress& a) {
  if (a.family == 0) return std::nullopt;
  return a;
}

int CollectEvent(void* ctx, void* data, size_t size) {
  auto* events = static_cast<std::vector<sluice_event>*>(ctx);
  sluice_event e{};
  EXPECT_EQ(size, sizeof(e)) << "event record size";
  std::memcpy(&e, data, std::min(size, sizeof(e)));
  events->push_back(e);
  return 0;
}

}  // namespace

NodeCounts operator-(const NodeCounts& a, const NodeCounts& b) {
  return {Minus(a.ctr, b.ctr), Minus(a.drops, b.drops),
          Minus(a.verdicts, b.verdicts)};
}

std::string Moved(const NodeCounts& d) {
  return NamesOfMoved(d.ctr, NodeCounterName);
}
std::string DropReasons(const NodeCounts& d) {
  return NamesOfMoved(d.drops, DropReasonName);
}
std::string Verdicts(const NodeCounts& d) {
  return NamesOfMoved(d.verdicts, NodeVerdictName);
}

sluice_endpoint MakeEndpoint(uint32_t endpoint_id, const IpAddress& ip4,
                             const IpAddress& ip6, uint32_t ingress_policy,
                             uint32_t egress_policy) {
  return EndpointValue(endpoint_id, absl::StrCat("endpoint-", endpoint_id),
                       Optional(ip4), Optional(ip6), ingress_policy,
                       egress_policy);
}

sluice_policy_rule Allow(uint32_t rule_id, uint8_t proto, uint16_t port_min,
                         uint16_t port_max) {
  return PolicyRuleValue(rule_id, SLUICE_POLICY_ALLOW, proto, port_min,
                         port_max);
}

sluice_policy_rule Deny(uint32_t rule_id, uint8_t proto, uint16_t port_min,
                        uint16_t port_max) {
  return PolicyRuleValue(rule_id, SLUICE_POLICY_DENY, proto, port_min,
                         port_max);
}

void EndpointTest::SetUp() {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root: loading BPF programs and BPF_PROG_TEST_RUN "
                    "need CAP_BPF + CAP_NET_ADMIN";
  }
  skel_ = endpoint::open();
  ASSERT_NE(skel_, nullptr)
      << "opening the endpoint object: " << strerror(errno);
  const auto& m = skel_->maps;
  for (const MapSize& size : EndpointMapSizesOf(skel_, SmallNodeMapSizes())) {
    ASSERT_EQ(bpf_map__set_max_entries(size.map, size.entries), 0)
        << bpf_map__name(size.map);
  }
  int err = endpoint::load(skel_);
  if (err == -EPERM) {
    GTEST_SKIP() << "the kernel refused to load BPF (EPERM): no CAP_BPF here";
  }
  ASSERT_EQ(err, 0) << "loading endpoint: " << strerror(-err);
  events_ = ring_buffer__new(bpf_map__fd(m.events), CollectEvent,
                             &pending_events_, nullptr);
  ASSERT_NE(events_, nullptr) << "ring buffer: " << strerror(errno);
  const sluice_node_config cfg = NodeConfigValue(kTestHashSeed, 0);
  uint32_t zero = 0;
  Update(m.node_config, &zero, &cfg, "node config");
}

void EndpointTest::TearDown() {
  if (events_) ring_buffer__free(events_);
  if (skel_) endpoint::destroy(skel_);
  events_ = nullptr;
  skel_ = nullptr;
}

void EndpointTest::PutEndpoint(const sluice_endpoint& ep) {
  Update(skel_->maps.endpoints, &kTestIfindex, &ep, "endpoint");
}

void EndpointTest::RemoveEndpoint() {
  EXPECT_EQ(
      bpf_map_delete_elem(bpf_map__fd(skel_->maps.endpoints), &kTestIfindex), 0)
      << strerror(errno);
}

void EndpointTest::PutService(const IpAddress& addr, uint16_t port,
                              uint8_t proto, uint32_t svc_id,
                              uint32_t ring_id) {
  const sluice_vip_key k = VipKey{addr, port, proto}.ToBpf();
  const sluice_service svc = ServiceValue(svc_id, ring_id);
  Update(skel_->maps.services, &k, &svc, "service");
}

void EndpointTest::PutRing(uint32_t ring_id,
                           const std::vector<uint32_t>& backend_ids) {
  const sluice_svc_ring ring = SvcRingValue(backend_ids);
  Update(skel_->maps.svc_rings, &ring_id, &ring, "ring");
}

void EndpointTest::PutBackend(uint32_t id, const IpAddress& addr, uint16_t port,
                              uint32_t svc_id, uint8_t flags) {
  const sluice_svc_backend b =
      SvcBackendValue(addr, port, svc_id, /*weight=*/100, flags);
  Update(skel_->maps.svc_backends, &id, &b, "backend");
}

void EndpointTest::PutPolicy(uint32_t policy_id, const IpAddress& prefix,
                             uint32_t bits,
                             const std::vector<sluice_policy_rule>& rules) {
  const sluice_policy_key k =
      PolicyKey(policy_id, {prefix, static_cast<int>(bits)});
  absl::StatusOr<sluice_policy_entry> e = PolicyEntryValue(rules);
  ASSERT_TRUE(e.ok()) << e.status();
  Update(skel_->maps.policy, &k, &*e, "policy entry");
}

NodeCounts EndpointTest::ReadCounts() {
  NodeCounts c;
  ReadCounters(skel_->maps.node_counters, c.ctr);
  ReadCounters(skel_->maps.node_drops, c.drops);
  ReadCounters(skel_->maps.node_verdicts, c.verdicts);
  return c;
}

sluice_counter EndpointTest::RuleCounter(uint32_t rule_id) {
  auto c =
      ReadPerCpuCounter(bpf_map__fd(skel_->maps.rule_counters), rule_id);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : sluice_counter{};
}

absl::optional<sluice_ct_entry> EndpointTest::Conntrack(
    const sluice_ct_key& key) {
  sluice_ct_entry e{};
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.conntrack), &key, &e)) {
    return absl::nullopt;
  }
  return e;
}

std::vector<sluice_event> EndpointTest::TakeEvents() {
  int n = ring_buffer__consume(events_);
  EXPECT_GE(n, 0) << "ring_buffer__consume: " << strerror(-n);
  std::vector<sluice_event> events;
  events.swap(pending_events_);
  return events;
}

TcRun EndpointTest::FromEndpoint(const std::vector<uint8_t>& frame,
                                 uint32_t repeat) {
  return Run(bpf_program__fd(skel_->progs.sluice_from_endpoint), frame, 0,
             repeat);
}

TcRun EndpointTest::ToEndpoint(const std::vector<uint8_t>& frame,
                               uint32_t mark) {
  return Run(bpf_program__fd(skel_->progs.sluice_to_endpoint), frame, mark, 1);
}

TcRun EndpointTest::Run(int prog_fd, const std::vector<uint8_t>& frame,
                        uint32_t mark, uint32_t repeat) {
  TcRun run;
  NodeCounts before = ReadCounts();
  __sk_buff skb{};
  skb.ifindex = kTestIfindex;
  skb.mark = mark;
  auto result = RunSkbProg(prog_fd, frame, skb, repeat);
  if (!result.ok()) {
    ADD_FAILURE() << "BPF_PROG_TEST_RUN on a " << frame.size()
                  << "-byte frame: " << result.status();
    return run;
  }
  run.verdict = result->verdict;
  run.out = std::move(result->packet);
  run.mark = skb.mark;
  run.delta = ReadCounts() - before;
  return run;
}

}  // namespace sluice::testing
