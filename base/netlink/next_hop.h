// Next-hop resolution for encapsulated packets: which interface and which
// Ethernet MAC a packet to a backend must be sent with. Asks the kernel's
// route and neighbour tables over rtnetlink (libmnl); see docs/next-hop.md.
// All functions open their own socket and are safe to call from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/ip_address.h"

namespace sluice {

using MacAddress = std::array<uint8_t, 6>;

struct NextHop {
  int ifindex = 0;     // the route's output interface
  IpAddress via;       // the route's gateway, or the destination when on-link
  MacAddress mac{};    // valid only when `resolved`
  bool resolved = false;
};

// Looks up the kernel's route to `dst` (RTM_GETROUTE) and the neighbour entry
// of its next hop on the output interface (RTM_GETNEIGH). When that entry is
// missing or not valid (INCOMPLETE, FAILED, NONE), asks the kernel to resolve
// it (ARP / neighbour solicitation) and returns resolved = false; the entry's
// change is then reported by NetlinkWatcher.
// Errors: the route lookup fails ("route to 10.9.9.9: Network is
// unreachable", UNAVAILABLE); the route is not unicast, e.g. `dst` is a local
// address (FAILED_PRECONDITION); a netlink failure.
absl::StatusOr<NextHop> ResolveNextHop(const IpAddress& dst);

// NOT_FOUND when there is no such interface.
absl::StatusOr<int> InterfaceIndex(const std::string& name);
// FAILED_PRECONDITION when the interface has no Ethernet address.
absl::StatusOr<MacAddress> InterfaceMac(int ifindex);
absl::StatusOr<uint32_t> InterfaceMtu(int ifindex);
// Whether the interface is one end of a veth pair whose other end lives in
// another network namespace: the only device bpf_redirect_peer() hands
// packets to (the kernel refuses any other, and drops for a peer in the
// same namespace). NOT_FOUND when there is no such interface.
absl::StatusOr<bool> IsVethWithPeerInOtherNamespace(int ifindex);

// "02:00:5e:10:00:01".
std::string MacToString(const MacAddress& mac);

}  // namespace sluice
