// What the packet builder tests share: two MAC addresses and checksum
// verification independent of checksum.cc.
//
// Unlike checksum.cc this sums native-endian words in a 64-bit accumulator
// and swaps at the end (the sum is byte-order independent, RFC 1071 2(B)),
// and builds the pseudo-headers byte by byte as RFC 793 / RFC 8200 draw them.
#ifndef SLUICE_BASE_PACKET_PACKET_BUILDER_TEST_SUPPORT_H_
#define SLUICE_BASE_PACKET_PACKET_BUILDER_TEST_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/packet/addresses.h"

namespace sluice::testing {

using Bytes = std::vector<uint8_t>;

inline const MacAddr kClientMac("02:00:00:00:00:01");
inline const MacAddr kLbMac("02:00:00:00:00:02");

uint16_t OnesComplementSum(const Bytes& bytes);
Bytes Slice(const Bytes& b, size_t offset, size_t length);
Bytes Concat(Bytes a, const Bytes& b);
// The 4 or 16 bytes of an address literal.
Bytes AddressBytes(const std::string& text);
Bytes PseudoHeader(const std::string& src, const std::string& dst,
                   uint8_t protocol, size_t length);

// A header or segment with its checksum in place sums to 0xffff.
bool Ipv4HeaderSumsToOnes(const Bytes& pkt, size_t ip_offset);
bool L4SumsToOnes(const Bytes& pkt, const std::string& src,
                  const std::string& dst, uint8_t protocol, size_t offset);
bool IcmpSumsToOnes(const Bytes& pkt, size_t offset);

}  // namespace sluice::testing

#endif  // SLUICE_BASE_PACKET_PACKET_BUILDER_TEST_SUPPORT_H_
