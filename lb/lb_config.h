// The load balancer's configuration as the control plane models it, and its
// translation to the datapath's shapes (sluice/shared.h).
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "lb/ip_address.h"
#include "sluice/shared.h"

namespace sluice::lb {

enum class HashMode { kFiveTuple, kSource };

struct VipKey {
  IpAddress address;
  uint16_t port = 0;            // 0 = every port
  uint8_t proto = IPPROTO_TCP;  // IPPROTO_TCP or IPPROTO_UDP

  std::string ToString() const;  // "10.0.0.10:80/tcp", "[2001:db8::1]:0/udp"
  sluice_vip_key ToBpf() const;
  static VipKey FromBpf(const sluice_vip_key& k);

  friend bool operator<(const VipKey& a, const VipKey& b) {
    if (a.address != b.address) return a.address < b.address;
    if (a.port != b.port) return a.port < b.port;
    return a.proto < b.proto;
  }
  friend bool operator==(const VipKey& a, const VipKey& b) {
    return a.address == b.address && a.port == b.port && a.proto == b.proto;
  }
};

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

struct LbConfig {
  std::map<VipKey, VipEntry> vips;
  std::set<IpPrefix> prefixes;   // source blacklist, both families
  std::set<IpAddress> arp_ips;   // ARP sender blacklist (IPv4)
};

// Datapath family code (SLUICE_FAMILY_V4/V6) of an address.
inline uint8_t BpfFamily(const IpAddress& a) {
  return a.is_v4() ? SLUICE_FAMILY_V4 : SLUICE_FAMILY_V6;
}

}  // namespace sluice::lb
