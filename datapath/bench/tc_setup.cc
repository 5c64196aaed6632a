#include "datapath/bench/tc_setup.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <cerrno>

#include "base/bpf_errors.h"
#include "base/status_macros.h"
#include "datapath/maps/vip_key.h"
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

NodeMapSizes SmallNodeSizes() {
  NodeMapSizes s = SmallNodeMapSizes();
  s.conntrack_entries = 65536;
  return s;
}

absl::StatusOr<std::unique_ptr<NodeDp>> NodeDp::Load(const NodeMapSizes& sizes) {
  ASSIGN_OR_RETURN(endpoint* skel, LoadSkeleton<endpoint>([&](endpoint* s) {
    return EndpointMapSizesOf(s, sizes);
  }));
  std::unique_ptr<NodeDp> dp(new NodeDp(skel));
  const auto& m = skel->maps;
  dp->events_ =
      ring_buffer__new(bpf_map__fd(m.events), IgnoreEvent, nullptr, nullptr);
  if (!dp->events_) return ErrnoStatus("event ring buffer");
  const uint32_t zero = 0;
  RETURN_IF_ERROR(Put(m.node_config, zero, NodeConfigValue(0x5eed1234, 0)));
  return dp;
}

NodeDp::~NodeDp() {
  if (events_) ring_buffer__free(events_);
  endpoint::destroy(skel_);
}

absl::Status NodeDp::PutEndpoint(uint32_t ingress_policy) {
  return Put(skel_->maps.endpoints, kIfindex,
             EndpointValue(/*endpoint_id=*/7, "bench", kEndpoint4, kEndpoint6,
                           ingress_policy, /*egress_policy=*/0));
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
    keys[i] = VipKey{d.addr, d.port, IPPROTO_TCP}.ToBpf();
    svcs[i] = ServiceValue(ids[i], ids[i]);
    rings[i] = SvcRingValue({ids[i]});
    backends[i] = SvcBackendValue(d.backend, d.backend_port, ids[i], /*weight=*/100,
                                  SLUICE_BACKEND_LIVE | SLUICE_BACKEND_COMMITTED);
  }
  const auto& m = skel_->maps;
  absl::Status s = UpdateBatch(m.svc_backends, ids, backends);
  if (s.ok()) s = UpdateBatch(m.svc_rings, ids, rings);
  if (s.ok()) s = UpdateBatch(m.services, keys, svcs);
  return s;
}

absl::Status NodeDp::PutPolicy(uint32_t policy_id,
                               const std::vector<PolicyPrefix>& entries) {
  std::vector<sluice_policy_key> keys;
  std::vector<sluice_policy_entry> values;
  for (const PolicyPrefix& p : entries) {
    keys.push_back(PolicyKey(policy_id, {p.addr, static_cast<int>(p.bits)}));
    ASSIGN_OR_RETURN(values.emplace_back(), PolicyEntryValue(p.rules));
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
