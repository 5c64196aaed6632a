// A flow as the datapath keys it (struct sluice_flow_key): the XDP load
// balancer's connection table and the node datapath's events.
#pragma once

#include <cstdint>

#include "base/ip_address.h"
#include "sluice/shared.h"

namespace sluice {

// Ports in host order; the family is the source's.
sluice_flow_key FlowKey(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                        uint16_t dport, uint8_t proto);

}  // namespace sluice
