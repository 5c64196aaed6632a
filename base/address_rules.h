// What an address or prefix must be to work in a role, beyond its syntax
// (docs/lbctl.md, "Addresses"). lbd's API and lbctl share these so both say
// the same. Each returns INVALID_ARGUMENT saying why; the caller prefixes the
// field ("vip.address: ...").
#pragma once

#include "absl/status/status.h"
#include "base/ip_address.h"

namespace sluice {

// Not ::ffff:a.b.c.d: packets carry IPv4 hosts as IPv4, so an IPv4-mapped
// VIP, real, endpoint address or prefix would never match one.
absl::Status CheckNotV4Mapped(const IpAddress& address);
absl::Status CheckNotV4Mapped(const IpPrefix& prefix);

// A unicast host address, not IPv4-mapped: not 0.0.0.0 / ::, not multicast
// (224.0.0.0/4, ff00::/8), not 255.255.255.255. VIPs and endpoint addresses.
absl::Status CheckUnicast(const IpAddress& address);

// A real server of (or a service backend behind) a VIP at `vip`: unicast,
// and not the VIP's own address (its packets would come back to the VIP).
absl::Status CheckReal(const IpAddress& real, const IpAddress& vip);

}  // namespace sluice
