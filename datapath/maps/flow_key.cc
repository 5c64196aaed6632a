#include "datapath/maps/flow_key.h"

#include <netinet/in.h>

#include "datapath/maps/vip_key.h"

namespace sluice {

sluice_flow_key FlowKey(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                        uint16_t dport, uint8_t proto) {
  sluice_flow_key k{};
  src.ToWords(k.src);
  dst.ToWords(k.dst);
  k.sport = htons(sport);
  k.dport = htons(dport);
  k.proto = proto;
  k.family = BpfFamily(src);
  return k;
}

}  // namespace sluice
