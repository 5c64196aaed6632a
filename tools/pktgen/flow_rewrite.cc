#include "tools/pktgen/flow_rewrite.h"

#include <arpa/inet.h>

#include <cstring>

namespace sluice::pktgen {
namespace {

constexpr uint32_t kEthernetHeader = 14;
constexpr uint32_t kIpv4SourceOffset = 12;
constexpr uint32_t kIpv4ChecksumOffset = 10;
constexpr uint32_t kIpv6SourceLowWordOffset = 8 + 12;  // the last 32 bits of saddr

uint16_t Fold(uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// RFC 1624 eqn. 3, on values as they lie in the frame (as pktgen.bpf.c's
// csum_replace32).
uint16_t ChecksumReplace32(uint16_t check, uint32_t from, uint32_t to) {
  uint32_t sum = static_cast<uint16_t>(~check);
  sum += (~from & 0xffff) + (~from >> 16);
  sum += (to & 0xffff) + (to >> 16);
  return Fold(sum);
}

template <typename T>
void Store(uint8_t* at, T value) {
  std::memcpy(at, &value, sizeof(value));
}

}  // namespace

void RewriteIntoFlow(const pktgen_config& config, uint32_t flow, uint8_t* frame) {
  if (config.flows <= 1) return;
  const uint32_t l3 = kEthernetHeader;
  const uint32_t l4 = l3 + (config.ipv6 ? 40 : 20);
  uint32_t from, to;
  if (config.vary == PKTGEN_VARY_SRC_PORT) {
    from = htons(static_cast<uint16_t>(config.src_port));
    to = htons(static_cast<uint16_t>(config.src_port + flow));
    Store(frame + l4, static_cast<uint16_t>(to));
  } else {
    from = htonl(config.src_addr_low);
    to = htonl(config.src_addr_low + flow);
    if (config.ipv6) {
      Store(frame + l3 + kIpv6SourceLowWordOffset, to);
    } else {
      Store(frame + l3 + kIpv4SourceOffset, to);
      Store(frame + l3 + kIpv4ChecksumOffset, ChecksumReplace32(config.ip_csum, from, to));
    }
  }
  uint16_t csum = ChecksumReplace32(config.l4_csum, from, to);
  if (config.udp && csum == 0) csum = 0xffff;  // 0 would mean "no checksum"
  Store(frame + l4 + config.l4_csum_off, csum);
}

}  // namespace sluice::pktgen
