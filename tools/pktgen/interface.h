// What pktgen needs to know about the interface it sends on.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "base/packet/addresses.h"

namespace sluice::pktgen {

struct InterfaceInfo {
  int ifindex = 0;
  testing::MacAddr mac;
  uint32_t mtu = 0;
};

// NOT_FOUND ("--iface eth9: no such interface") when it does not exist in
// this network namespace.
absl::StatusOr<InterfaceInfo> LookUpInterface(const std::string& name);

// The interface's first address of `family` (AF_INET, AF_INET6), IPv6
// link-local ones only when there is no other. NOT_FOUND when it has none.
absl::StatusOr<testing::IpAddress> InterfaceAddress(const std::string& name, int family);

// The interface's transmitted-packets counter (32 bits wide: compare
// readings by unsigned 32-bit difference).
absl::StatusOr<uint32_t> InterfaceTxPackets(const std::string& name);

}  // namespace sluice::pktgen
