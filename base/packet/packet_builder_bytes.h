// Big-endian writing and padding for the packet builder's layers.
// Internal to the builder; tests use packet_builder.h.
#ifndef SLUICE_BASE_PACKET_PACKET_BUILDER_BYTES_H_
#define SLUICE_BASE_PACKET_PACKET_BUILDER_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "base/packet/addresses.h"

namespace sluice::testing::packet_builder_internal {

void Put8(std::vector<uint8_t>& out, uint8_t v);
void Put16(std::vector<uint8_t>& out, uint16_t v);
void Put32(std::vector<uint8_t>& out, uint32_t v);
void PutBytes(std::vector<uint8_t>& out, absl::Span<const uint8_t> bytes);
void PutAddress(std::vector<uint8_t>& out, const IpAddress& ip);
// Overwrites the two bytes at `offset` (a checksum computed after the fact).
void Set16(std::vector<uint8_t>& out, size_t offset, uint16_t v);

// Pads `bytes` with `pad` bytes to a multiple of `unit`.
std::vector<uint8_t> Padded(absl::Span<const uint8_t> bytes, size_t unit);

// Pads IPv6 option TLVs so the extension header is a multiple of 8 bytes.
std::vector<uint8_t> PaddedIpv6Options(absl::Span<const uint8_t> options);

}  // namespace sluice::testing::packet_builder_internal

#endif  // SLUICE_BASE_PACKET_PACKET_BUILDER_BYTES_H_
