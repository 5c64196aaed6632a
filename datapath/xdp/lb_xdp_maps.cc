#include "datapath/xdp/lb_xdp_maps.h"

#include <algorithm>
#include <cstring>

#include "datapath/maps/vip_key.h"
#include "lb_xdp.skel.h"

namespace sluice {
namespace {

// The host bits of `p` that fit in one 32-bit word, as a mask.
uint32_t HostMask(const IpPrefix& p) {
  int host_bits = std::min(p.address.bits() - p.length, 32);
  return host_bits >= 32 ? 0xffffffffu : (1u << host_bits) - 1;
}

}  // namespace

LbXdpMapSizes SmallLbXdpMapSizes() {
  LbXdpMapSizes s;
  s.max_vips = s.max_backends = s.max_arp_entries = 64;
  s.ring_pool_entries = s.conntrack_entries = 4096;
  s.max_prefixes = 1024;
  return s;
}

std::vector<MapSize> LbXdpMapSizesOf(lb_xdp* skel, const LbXdpMapSizes& o) {
  const auto& m = skel->maps;
  return {
      // VIPs plus one address marker per VIP address (at most as many).
      {m.vips_gen0, 2 * o.max_vips, "--max-vips"},
      {m.vips_gen1, 2 * o.max_vips, "--max-vips"},
      {m.arp_blacklist_gen0, o.max_arp_entries},
      {m.arp_blacklist_gen1, o.max_arp_entries},
      // Each prefix longer than /16 needs a /24 leaf or more (a /17 needs 128).
      {m.src_v4_leaves_gen0, o.max_prefixes, "--max-prefixes"},
      {m.src_v4_leaves_gen1, o.max_prefixes, "--max-prefixes"},
      {m.src_v4_record_gen0, o.max_prefixes + 1, "--max-prefixes"},
      {m.src_v4_record_gen1, o.max_prefixes + 1, "--max-prefixes"},
      {m.src_blacklist_v6_gen0, o.max_prefixes, "--max-prefixes"},
      {m.src_blacklist_v6_gen1, o.max_prefixes, "--max-prefixes"},
      {m.ring_pool, o.ring_pool_entries, "--ring-pool-entries"},
      {m.backends, o.max_backends, "--max-backends"},
      {m.backend_counters, o.max_backends, "--max-backends"},
      {m.vip_counters, o.max_vips, "--max-vips"},
      {m.conntrack, o.conntrack_entries, "--conntrack-entries"},
  };
}

sluice_config XdpConfigValue(uint64_t hash_seed, uint32_t max_frame_len,
                             const IpPrefix& encap_src_v4, const IpPrefix& encap_src_v6) {
  sluice_config c{};
  c.hash_seed = static_cast<uint32_t>(hash_seed ^ (hash_seed >> 32));
  c.max_frame_len = max_frame_len;
  std::memcpy(&c.encap_src_v4, encap_src_v4.address.bytes.data(), 4);
  c.encap_src_v4_host_mask = HostMask(encap_src_v4);
  encap_src_v6.address.ToWords(c.encap_src_v6);
  c.encap_src_v6_host_mask = HostMask(encap_src_v6);
  return c;
}

sluice_vip_meta VipMeta(uint32_t vip_id, uint32_t ring_offset, uint32_t ring_size,
                        uint32_t flags) {
  sluice_vip_meta m{};
  m.vip_id = vip_id;
  m.flags = flags;
  m.ring_offset = ring_offset;
  m.ring_size = ring_size;
  return m;
}

sluice_backend BackendValue(const IpAddress& address, uint8_t flags,
                            const std::array<uint8_t, 6>& next_hop_mac, uint32_t vip_id,
                            uint32_t weight) {
  sluice_backend v{};
  address.ToWords(v.addr);
  v.family = BpfFamily(address);
  v.flags = flags;
  if (flags & SLUICE_BACKEND_RESOLVED) {
    std::memcpy(v.next_hop_mac, next_hop_mac.data(), sizeof(v.next_hop_mac));
  }
  v.vip_id = vip_id;
  v.weight = weight;
  return v;
}

uint32_t ArpBlacklistKey(const IpAddress& sender) {
  uint32_t ip;
  std::memcpy(&ip, sender.bytes.data(), 4);
  return ip;
}

sluice_lpm_v6_key V6BlacklistKey(const IpPrefix& prefix) {
  sluice_lpm_v6_key k{};
  k.prefixlen = prefix.length;
  std::memcpy(k.addr, prefix.address.bytes.data(), 16);
  return k;
}

sluice_flow_state FlowState(uint32_t backend_id) {
  sluice_flow_state st{};
  st.backend_id = backend_id;
  return st;
}

}  // namespace sluice
