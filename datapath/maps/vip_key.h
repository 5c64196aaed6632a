// The key of a load-balanced service (VIP:port/proto) as the control plane
// models it, and its encoding in the datapath's maps (sluice_vip_key).
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "base/ip_address.h"
#include "sluice/shared.h"

namespace sluice {

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

// Datapath family code (SLUICE_FAMILY_V4/V6) of an address.
inline uint8_t BpfFamily(const IpAddress& a) {
  return a.is_v4() ? SLUICE_FAMILY_V4 : SLUICE_FAMILY_V6;
}

}  // namespace sluice
