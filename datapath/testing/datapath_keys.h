// Datapath key values for test and benchmark addresses (struct sluice_*
// shapes from sluice/shared.h), shared by the XDP and tc fixtures and the
// benchmarks.
#ifndef SLUICE_DATAPATH_TESTING_DATAPATH_KEYS_H_
#define SLUICE_DATAPATH_TESTING_DATAPATH_KEYS_H_

#include <cstdint>

#include "base/packet/addresses.h"
#include "sluice/shared.h"

namespace sluice::testing {

// SLUICE_FAMILY_V4 or SLUICE_FAMILY_V6.
uint8_t FamilyOf(const IpAddress& addr);

// A flow as the datapath keys it (ports in host order).
sluice_flow_key FlowKey(const IpAddress& src, uint16_t sport,
                        const IpAddress& dst, uint16_t dport, uint8_t proto);

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_TESTING_DATAPATH_KEYS_H_
