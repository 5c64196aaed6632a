// Serializes a PacketBuilder's layers: each layer wraps the bytes of the
// layers after it, so lengths, next-protocol fields and checksums come from
// what follows. Internal to the builder; tests use packet_builder.h.
#ifndef SLUICE_BASE_PACKET_PACKET_BUILDER_SERIALIZER_H_
#define SLUICE_BASE_PACKET_PACKET_BUILDER_SERIALIZER_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "base/packet/packet_builder_layers.h"

namespace sluice::testing::packet_builder_internal {

// The bytes of `layers`, outermost first (not truncated).
std::vector<uint8_t> SerializeLayers(absl::Span<const Layer> layers);

}  // namespace sluice::testing::packet_builder_internal

#endif  // SLUICE_BASE_PACKET_PACKET_BUILDER_SERIALIZER_H_
