// The load balancer's configuration as the control plane models it, and its
// translation to the datapath's shapes (sluice/shared.h).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "datapath/maps/vip_key.h"
#include "sluice/shared.h"

namespace sluice::lb {

enum class HashMode { kFiveTuple, kSource };

struct BackendEntry {
  IpAddress address;
  uint32_t weight = 100;
  uint32_t id = 0;              // index of the datapath's backends map
};

struct VipEntry {
  VipKey key;
  HashMode hash = HashMode::kFiveTuple;
  uint32_t ring_size = 0;
  uint32_t vip_id = 0;          // index of vip_counters
  uint32_t ring_offset = 0;     // the VIP's Maglev table in the ring pool
  std::map<IpAddress, BackendEntry> backends;

  sluice_vip_meta ToBpfMeta() const;
};

// The counter ids of every VIP and backend: what Stats and /metrics need to
// read and name the per-VIP and per-backend counters (the blacklist is not
// in it).
struct CounterIndex {
  struct Vip {
    VipKey key;
    uint32_t vip_id = 0;
    std::map<IpAddress, uint32_t> backend_ids;
  };
  std::vector<Vip> vips;
};

struct LbConfig {
  std::map<VipKey, VipEntry> vips;
  std::set<IpPrefix> prefixes;   // source blacklist, both families
  std::set<IpAddress> arp_ips;   // ARP sender blacklist (IPv4)
};

}  // namespace sluice::lb
