#include "datapath/bench/xdp_setup.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "base/bpf_errors.h"
#include "base/status_macros.h"
#include "datapath/maps/vip_key.h"
#include "datapath/testing/v4_blacklist_maps.h"
#include "lb_xdp.skel.h"

namespace sluice::bench {
namespace {

sluice_config Config() {
  return XdpConfigValue(0x5eed1234, 1600, {IpAddress("10.255.0.0"), 24},
                        {IpAddress("fd00:ff::"), 112});
}

}  // namespace

Bytes LbFrame(const IpAddress& src, uint16_t sport, const IpAddress& dst,
              uint16_t dport) {
  return TcpFrame(kClientMac, kLbMac, src, sport, dst, dport);
}

sluice_vip_key VipKey(const IpAddress& addr, uint16_t port, uint8_t proto) {
  return sluice::VipKey{addr, port, proto}.ToBpf();
}

sluice_flow_key TcpFlow(const IpAddress& src, uint16_t sport,
                        const IpAddress& dst, uint16_t dport) {
  return FlowKey(src, sport, dst, dport, IPPROTO_TCP);
}

IpPrefix V4Prefix(const IpAddress& addr, uint32_t bits) {
  return {addr, static_cast<int>(bits)};
}

sluice_lpm_v6_key V6Prefix(const IpAddress& addr, uint32_t bits) {
  return V6BlacklistKey({addr, static_cast<int>(bits)});
}

LbXdpMapSizes SmallXdpSizes() {
  LbXdpMapSizes s = SmallLbXdpMapSizes();
  s.conntrack_entries = 65536;
  return s;
}

absl::StatusOr<std::unique_ptr<XdpLb>> XdpLb::Load(const LbXdpMapSizes& sizes) {
  ASSIGN_OR_RETURN(lb_xdp* skel, LoadSkeleton<lb_xdp>([&](lb_xdp* s) {
    return LbXdpMapSizesOf(s, sizes);
  }));
  std::unique_ptr<XdpLb> lb(new XdpLb(skel));
  const auto& m = skel->maps;
  const uint32_t zero = 0;
  RETURN_IF_ERROR(Put(m.generation, zero, zero));
  RETURN_IF_ERROR(Put(m.config, zero, Config()));
  return lb;
}

XdpLb::~XdpLb() { lb_xdp::destroy(skel_); }

absl::Status XdpLb::PutVips(const std::vector<sluice_vip_key>& keys,
                            const std::vector<sluice_vip_meta>& metas) {
  return UpdateBatch(skel_->maps.vips_gen0, keys, metas);
}

absl::Status XdpLb::BlacklistArp(const IpAddress& sender_ip) {
  return Put(skel_->maps.arp_blacklist_gen0, ArpBlacklistKey(sender_ip),
             kBlacklisted);
}

absl::Status XdpLb::BlacklistV4(const std::vector<IpPrefix>& prefixes) {
  return testing::WriteV4Blacklist(bpf_map__fd(skel_->maps.src_v4_top_gen0),
                                   bpf_map__fd(skel_->maps.src_v4_leaves_gen0),
                                   {prefixes.begin(), prefixes.end()});
}

absl::Status XdpLb::BlacklistV6(const std::vector<sluice_lpm_v6_key>& prefixes) {
  return UpdateBatch(skel_->maps.src_blacklist_v6_gen0, prefixes,
                     std::vector<uint8_t>(prefixes.size(), kBlacklisted));
}

absl::Status XdpLb::PutBackend(uint32_t id, const IpAddress& addr,
                               bool resolved) {
  const uint8_t flags = SLUICE_BACKEND_LIVE | SLUICE_BACKEND_COMMITTED |
                        (resolved ? SLUICE_BACKEND_RESOLVED : 0);
  return Put(skel_->maps.backends, id,
             BackendValue(addr, flags, kNextHopMac.bytes, /*vip_id=*/0,
                          /*weight=*/100));
}

absl::Status XdpLb::PutRing(uint32_t offset, uint32_t size,
                            uint32_t backend_id) {
  std::vector<uint32_t> index(size);
  for (uint32_t i = 0; i < size; ++i) index[i] = offset + i;
  return UpdateBatch(skel_->maps.ring_pool, index,
                     std::vector<uint32_t>(size, backend_id));
}

absl::Status XdpLb::PutFlows(const std::vector<sluice_flow_key>& flows,
                             uint32_t backend_id) {
  return UpdateBatch(
      skel_->maps.conntrack, flows,
      std::vector<sluice_flow_state>(flows.size(), FlowState(backend_id)));
}

absl::Status XdpLb::ForgetFlow(const sluice_flow_key& flow) {
  if (bpf_map_delete_elem(bpf_map__fd(skel_->maps.conntrack), &flow)) {
    return BpfStatus(-errno, "deleting a connection-table entry");
  }
  return absl::OkStatus();
}

bool XdpLb::HasFlow(const sluice_flow_key& flow) const {
  sluice_flow_state st{};
  return bpf_map_lookup_elem(bpf_map__fd(skel_->maps.conntrack), &flow, &st) == 0;
}

Measured XdpLb::Path(uint32_t xdp_action, PathCounter counter) const {
  Measured m;
  m.prog_fd = bpf_program__fd(skel_->progs.sluice_xdp);
  m.verdict = xdp_action;
  m.counter = counter;
  return m;
}

PathCounter XdpLb::Counter(sluice_counter_id id) const {
  return {bpf_map__fd(skel_->maps.counters), static_cast<uint32_t>(id)};
}

PathCounter XdpLb::Drop(sluice_drop_reason reason) const {
  return {bpf_map__fd(skel_->maps.drop_counters),
          static_cast<uint32_t>(reason)};
}

PathCounter XdpLb::Verdict(uint32_t xdp_action) const {
  return {bpf_map__fd(skel_->maps.verdict_counters), xdp_action};
}

}  // namespace sluice::bench
