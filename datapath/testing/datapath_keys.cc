#include "datapath/testing/datapath_keys.h"

#include <cstring>

namespace sluice::testing {

uint8_t FamilyOf(const IpAddress& addr) {
  return addr.is_v4() ? SLUICE_FAMILY_V4 : SLUICE_FAMILY_V6;
}

sluice_flow_key FlowKey(const IpAddress& src, uint16_t sport,
                        const IpAddress& dst, uint16_t dport, uint8_t proto) {
  sluice_flow_key k{};
  std::memcpy(k.src, src.bytes.data(), src.size());
  std::memcpy(k.dst, dst.bytes.data(), dst.size());
  k.sport = htons(sport);
  k.dport = htons(dport);
  k.proto = proto;
  k.family = FamilyOf(src);
  return k;
}

}  // namespace sluice::testing
