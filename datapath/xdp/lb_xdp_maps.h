// The maps of the XDP load balancer (datapath/xdp/lb_xdp.bpf.c) as C++ sees
// them: how large each is, and the one encoding of every key and value the
// control plane writes. lbd (xdp_datapath, lb/), the BPF_PROG_TEST_RUN
// fixture and the benchmarks all size and fill the maps through this file,
// so the tests check the encoding lbd writes. Layouts: sluice/shared.h.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/ip_address.h"
#include "base/map_setup.h"
#include "datapath/maps/flow_key.h"
#include "sluice/shared.h"

struct lb_xdp;

namespace sluice {

// The sizes lbd's flags set (each map's max_entries follows from them).
struct LbXdpMapSizes {
  uint32_t max_vips = 1024;
  uint32_t max_backends = 16384;
  // 64 default-size Maglev tables: 63 VIPs and their spare (ring_allocator.h)
  uint32_t ring_pool_entries = 64 * 65537;
  uint32_t conntrack_entries = 1 << 20;
  uint32_t max_prefixes = 1 << 21;           // per family and generation
  uint32_t max_arp_entries = 1 << 16;
};

// Sizes that load fast and light, for tests and benchmarks.
LbXdpMapSizes SmallLbXdpMapSizes();

// max_entries of every sized map of an opened (not yet loaded) object, with
// the lbd flag behind each.
std::vector<MapSize> LbXdpMapSizesOf(lb_xdp* skel, const LbXdpMapSizes& sizes);

// config[0]: the flow-hash seed (64 bits folded to the datapath's 32), the
// largest encapsulated frame, and the outer source prefixes whose host bits
// come from the flow hash.
sluice_config XdpConfigValue(uint64_t hash_seed, uint32_t max_frame_len,
                             const IpPrefix& encap_src_v4, const IpPrefix& encap_src_v6);

// A VIP's entry in vips_gen*: its counter id and its Maglev table
// ring_pool[ring_offset, ring_offset + ring_size) (ring_size 0 = no table).
sluice_vip_meta VipMeta(uint32_t vip_id, uint32_t ring_offset, uint32_t ring_size,
                        uint32_t flags = 0);

// backends[id]. `flags` are enum sluice_backend_flags; the next hop's MAC
// counts only with SLUICE_BACKEND_RESOLVED.
sluice_backend BackendValue(const IpAddress& address, uint8_t flags,
                            const std::array<uint8_t, 6>& next_hop_mac, uint32_t vip_id,
                            uint32_t weight);

// Keys of the source blacklists: arp_blacklist_gen* (the sender address,
// network order) and src_blacklist_v6_gen* (an LPM trie). Their value is the
// byte kBlacklisted. (IPv4 prefixes: v4_blacklist_layout.h.)
inline constexpr uint8_t kBlacklisted = 1;
uint32_t ArpBlacklistKey(const IpAddress& sender);
sluice_lpm_v6_key V6BlacklistKey(const IpPrefix& prefix);

// A connection-table entry (its key: FlowKey, datapath/maps/flow_key.h).
sluice_flow_state FlowState(uint32_t backend_id);

}  // namespace sluice
