// The layer descriptions of a PacketBuilder: its fluent calls fill them, and
// SerializeLayers() (packet_builder_serializer.h) turns them into bytes.
// Internal to the builder; tests use packet_builder.h.
#ifndef SLUICE_BASE_PACKET_PACKET_BUILDER_LAYERS_H_
#define SLUICE_BASE_PACKET_PACKET_BUILDER_LAYERS_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "base/packet/addresses.h"
#include "base/packet/packet_builder.h"

namespace sluice::testing::packet_builder_internal {

// Misuse of the builder is a bug in the test; stop it loudly.
[[noreturn]] inline void Die(absl::string_view what) {
  std::fprintf(stderr, "sluice::testing::PacketBuilder: %.*s\n",
               static_cast<int>(what.size()), what.data());
  std::abort();
}

struct EthLayer {
  MacAddr src, dst;
  std::vector<uint16_t> vlan_tcis;  // outer first
  absl::optional<uint16_t> ethertype;
};

struct ArpLayer {
  ArpOp op;
  MacAddr sender_mac;
  IpAddress sender_ip;
  MacAddr target_mac;
  IpAddress target_ip;
};

struct Ipv6Ext {
  uint8_t type;
  // Bytes after the next-header and length bytes, already padded (not used
  // for the fragment header, whose fields are filled at build time).
  std::vector<uint8_t> body;
  uint16_t frag_offset = 0;
  bool frag_more = false;
};

struct IpLayer {
  int family;
  IpAddress src, dst;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint32_t id = 0;
  bool df = false;
  bool mf = false;
  uint16_t frag_offset = 0;          // bytes
  std::vector<uint8_t> options;      // IPv4, padded
  uint32_t flow_label = 0;           // IPv6
  std::vector<Ipv6Ext> ext_headers;  // IPv6, in wire order
  absl::optional<uint8_t> protocol;
  absl::optional<uint16_t> length;
  bool bad_checksum = false;
};

struct L4Layer {
  bool bad_checksum = false;
};

struct TcpLayer : L4Layer {
  uint16_t src_port, dst_port;
  uint8_t flags;
  uint32_t seq = 1;
  uint32_t ack = 0;
  uint16_t window = 65535;
  std::vector<uint8_t> options;  // unpadded
};

struct UdpLayer : L4Layer {
  uint16_t src_port, dst_port;
  absl::optional<uint16_t> length;
  bool zero_checksum = false;
};

struct IcmpLayer : L4Layer {
  bool v6;
  uint8_t type, code;
  uint32_t rest;  // the 4 bytes after the checksum
};

struct PayloadLayer {
  std::vector<uint8_t> bytes;
};

using Layer = std::variant<EthLayer, ArpLayer, IpLayer, TcpLayer, UdpLayer,
                           IcmpLayer, PayloadLayer>;

}  // namespace sluice::testing::packet_builder_internal

#endif  // SLUICE_BASE_PACKET_PACKET_BUILDER_LAYERS_H_
