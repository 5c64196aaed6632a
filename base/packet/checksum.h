// Internet checksum (RFC 1071), shared by the packet builder and parser.
//
// Values are 16-bit numbers in host order, written to and read from the wire
// big-endian. An unfinished sum is a uint32_t so pieces (pseudo-header, then
// segment) can be added before folding.
#ifndef SLUICE_DATAPATH_TESTING_PACKET_CHECKSUM_H_
#define SLUICE_DATAPATH_TESTING_PACKET_CHECKSUM_H_

#include <cstdint>

#include "absl/types/span.h"
#include "base/packet/addresses.h"

namespace sluice::testing {

// Adds `data` as big-endian 16-bit words to `sum`. An odd trailing byte is
// padded with zero, so only the last piece of a sum may have odd length.
uint32_t ChecksumAdd(absl::Span<const uint8_t> data, uint32_t sum = 0);

// Folds the carries and complements: the value to store in a checksum field.
uint16_t ChecksumFinish(uint32_t sum);

// Checksum of `data` alone (IPv4 header, ICMP message).
uint16_t InternetChecksum(absl::Span<const uint8_t> data);

// TCP/UDP/ICMPv6 checksum of `segment` (with its checksum field zero) under
// the IPv4 or IPv6 pseudo-header for src, dst, protocol and segment length.
uint16_t L4Checksum(const IpAddress& src, const IpAddress& dst,
                    uint8_t protocol, absl::Span<const uint8_t> segment);

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_TESTING_PACKET_CHECKSUM_H_
