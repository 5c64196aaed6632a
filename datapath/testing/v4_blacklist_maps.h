// Writes an IPv4 source blacklist into one generation's maps the way lbd
// lays it out (datapath/maps/v4_blacklist_layout.h), for fixtures and benchmarks that
// drive the XDP program without lbd.
#pragma once

#include <set>

#include "absl/status/status.h"
#include "base/ip_address.h"

namespace sluice::testing {

// The maps must hold no other prefixes (or a subset of `prefixes`).
absl::Status WriteV4Blacklist(int top_fd, int leaves_fd, const std::set<IpPrefix>& prefixes);

}  // namespace sluice::testing
