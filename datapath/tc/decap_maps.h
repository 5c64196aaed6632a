// The maps of the real server's decapsulation program
// (datapath/tc/decap.bpf.c) as C++ sees them: the key of a local address in
// decap_addrs and the counters by name. lbd (decap/) and the tests of the
// program both go through this file. Layouts: sluice/shared.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "base/ip_address.h"
#include "sluice/shared.h"

namespace sluice {

// decap_addrs[DecapAddressKey(a)] = kLocalAddress: tunnel packets to `a`
// are this host's to strip.
inline constexpr uint8_t kLocalAddress = 1;
sluice_vip_key DecapAddressKey(const IpAddress& address);

// decap_counters summed over CPUs, by name ("seen", "ipip", "not_ours", ...).
absl::StatusOr<std::map<std::string, sluice_counter>> ReadDecapCounters(int counters_fd);

}  // namespace sluice
