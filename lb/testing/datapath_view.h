// What the XDP datapath holds, read from its maps, next to what the
// LoadBalancer's model says it should hold, in one text form: tests compare
// the two after every commit (whether it applied or not) to prove that the
// model never drifts from what packets use.
#pragma once

#include <cstdint>
#include <string>

#include "datapath/xdp/xdp_datapath.h"
#include "lb/lb_config.h"

namespace sluice::lb::testing {

// The active generation's VIPs (with their Maglev share per backend id as
// the ring pool holds it), address markers, every live backend record
// (id, VIP id, address, weight, COMMITTED), the IPv4 blacklist (record and
// layout maps), the IPv6 and ARP blacklists. Sorted lines.
std::string DescribeDatapath(const XdpDatapath& datapath);

// The same lines as the datapath must hold for `config` (rings built with
// `hash_seed`; every backend live and COMMITTED).
std::string DescribeModel(const LbConfig& config, uint64_t hash_seed);

// Empty when both copies of every generational table hold the same entries;
// otherwise names the tables that differ.
std::string GenerationDifferences(const XdpDatapath& datapath);

}  // namespace sluice::lb::testing
