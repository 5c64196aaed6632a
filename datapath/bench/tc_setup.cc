#include "datapath/bench/tc_setup.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/bpf_errors.h"
#include "base/status_macros.h"
#include "datapath/testing/datapath_keys.h"
#include "endpoint.skel.h"

namespace sluice::bench {
namespace {

constexpr uint32_t kIfindex = 1;  // BPF_PROG_TEST_RUN's loopback device

int IgnoreEvent(void*, void*, size_t) { return 0; }

}  // namespace

Bytes SentFrame(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                uint16_t dport) {
  return TcpFrame(kWorkloadMac, kHostMac, src, sport, dst, dport);
}

Bytes DeliveredFrame(const IpAddress& src, uint16_t sport,
                     const IpAddress& dst, uint16_t dport) {
  return TcpFrame(kHostMac, kWorkloadMac, src, sport, dst, dport);
}

sluice_policy_rule PolicyRule(uint32_t rule_id, uint8_t action, uint8_t proto,
                              uint16_t port_min, uint16_t port_max) {
  return {rule_id, port_min, port_max, proto, action, {}};
}

absl::StatusOr<std::unique_ptr<NodeDp>> NodeDp::Load(const NodeSizes& sizes) {
  ASSIGN_OR_RETURN(endpoint* skel, LoadSkeleton<endpoint>([&](endpoint* s) {
    const auto& m = s->maps;
    return MapSizes{
        {m.conntrack, sizes.conntrack},
        {m.services, sizes.services},
        {m.svc_rings, sizes.services},
        {m.svc_backends, sizes.services},
        {m.policy, sizes.policy},
        {m.rule_specs, sizes.policy},
        {m.rule_counters, sizes.policy},
    };
  }));
  std::unique_ptr<NodeDp> dp(new NodeDp(skel));
  const auto& m = skel->maps;
  dp->events_ =
      ring_buffer__new(bpf_map__fd(m.events), IgnoreEvent, nullptr, nullptr);
  if (!dp->events_) return ErrnoStatus("event ring buffer");
  sluice_node_config cfg{};
  cfg.hash_seed = 0x5eed1234;
  const uint32_t zero = 0;
  RETURN_IF_ERROR(Put(m.node_config, zero, cfg));
  return dp;
}

NodeDp::~NodeDp() {
  if (events_) ring_buffer__free(events_);
  endpoint::destroy(skel_);
}

absl::Status NodeDp::PutEndpoint(uint32_t ingress_policy) {
  sluice_endpoint ep{};
  ep.endpoint_id = 7;
  ep.policy_id[SLUICE_INGRESS] = ingress_policy;
  std::memcpy(&ep.ip4, kEndpoint4.bytes.data(), 4);
  std::memcpy(ep.ip6, kEndpoint6.bytes.data(), 16);
  std::snprintf(ep.name, sizeof(ep.name), "bench");
  return Put(skel_->maps.endpoints, kIfindex, ep);
}

absl::Status NodeDp::PutServices(const std::vector<ServiceDef>& services) {
  const size_t n = services.size();
  std::vector<sluice_vip_key> keys(n);
  std::vector<sluice_service> svcs(n);
  std::vector<uint32_t> ids(n);
  std::vector<sluice_svc_ring> rings(n);
  std::vector<sluice_svc_backend> backends(n);
  for (size_t i = 0; i < n; ++i) {
    const ServiceDef& d = services[i];
    ids[i] = i + 1;
    std::memcpy(keys[i].addr, d.addr.bytes.data(), d.addr.size());
    keys[i].port = htons(d.port);
    keys[i].proto = IPPROTO_TCP;
    keys[i].family = testing::FamilyOf(d.addr);
    svcs[i] = {ids[i], ids[i]};
    std::fill(std::begin(rings[i].backend), std::end(rings[i].backend), ids[i]);
    sluice_svc_backend& b = backends[i];
    std::memcpy(b.addr, d.backend.bytes.data(), d.backend.size());
    b.port = htons(d.backend_port);
    b.family = testing::FamilyOf(d.backend);
    b.flags = SLUICE_BACKEND_LIVE | SLUICE_BACKEND_COMMITTED;
    b.svc_id = ids[i];
    b.weight = 100;
  }
  const auto& m = skel_->maps;
  absl::Status s = UpdateBatch(m.svc_backends, ids, backends);
  if (s.ok()) s = UpdateBatch(m.svc_rings, ids, rings);
  if (s.ok()) s = UpdateBatch(m.services, keys, svcs);
  return s;
}

absl::Status NodeDp::PutPolicy(uint32_t policy_id,
                               const std::vector<PolicyPrefix>& entries) {
  std::vector<sluice_policy_key> keys(entries.size());
  std::vector<sluice_policy_entry> values(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const PolicyPrefix& p = entries[i];
    if (p.rules.size() > SLUICE_POLICY_MAX_RULES) {
      return absl::InvalidArgumentError("more rules than a policy entry holds");
    }
    keys[i].prefixlen = SLUICE_POLICY_KEY_FIXED_BITS + p.bits;
    keys[i].policy_id = policy_id;
    keys[i].family = testing::FamilyOf(p.addr);
    std::memcpy(keys[i].addr, p.addr.bytes.data(), p.addr.size());
    values[i].count = p.rules.size();
    std::copy(p.rules.begin(), p.rules.end(), values[i].rules);
  }
  return UpdateBatch(skel_->maps.policy, keys, values);
}

void NodeDp::DrainEvents() { ring_buffer__consume(events_); }

Measured NodeDp::Path(int prog_fd, int tc_action, PathCounter counter) const {
  Measured m;
  m.prog_fd = prog_fd;
  m.tc = true;
  m.verdict = static_cast<uint32_t>(tc_action);
  m.counter = counter;
  return m;
}

Measured NodeDp::FromEndpoint(int tc_action, PathCounter counter) const {
  return Path(bpf_program__fd(skel_->progs.sluice_from_endpoint), tc_action,
              counter);
}

Measured NodeDp::ToEndpoint(int tc_action, PathCounter counter) const {
  return Path(bpf_program__fd(skel_->progs.sluice_to_endpoint), tc_action,
              counter);
}

PathCounter NodeDp::Counter(sluice_node_counter_id id) const {
  return {bpf_map__fd(skel_->maps.node_counters), static_cast<uint32_t>(id)};
}

PathCounter NodeDp::Drop(sluice_drop_reason reason) const {
  return {bpf_map__fd(skel_->maps.node_drops), static_cast<uint32_t>(reason)};
}

}  // namespace sluice::bench
