// Fluent builder for test packets.
//
//   std::vector<uint8_t> syn = PacketBuilder()
//       .Eth(kClientMac, kLbMac)
//       .Ipv4("10.0.0.1", "10.0.0.10")
//       .Tcp(40000, 80, TcpFlags::kSyn)
//       .Payload("hello")
//       .Build();
//
// Layers are listed outermost first and serialized innermost first, so
// lengths, EtherTypes, IP protocol / next-header fields and checksums are
// filled in from what follows. Stacking IP layers makes a tunnel:
// Ipv4().Ipv4() is IPIP (protocol 4), Ipv6().Ipv6() is IP6IP6 (next header
// 41), Ipv6().Ipv4() is IPv4-in-IPv6 (next header 4). A packet may start at
// any layer (e.g. at Ipv4() for an ICMP error's embedded packet).
//
// Modifiers (Ttl, Vlan, Seq, ...) change the most recently added layer of the
// kind they apply to. Misuse (a modifier with no such layer, an IPv4-only
// option on IPv6, an unknown next protocol) is a bug in the test: it aborts
// with a message rather than building a silently wrong packet.
#ifndef SLUICE_DATAPATH_TESTING_PACKET_PACKET_BUILDER_H_
#define SLUICE_DATAPATH_TESTING_PACKET_PACKET_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/packet/addresses.h"

namespace sluice::testing {

struct TcpFlags {
  static constexpr uint8_t kFin = 0x01;
  static constexpr uint8_t kSyn = 0x02;
  static constexpr uint8_t kRst = 0x04;
  static constexpr uint8_t kPsh = 0x08;
  static constexpr uint8_t kAck = 0x10;
  static constexpr uint8_t kUrg = 0x20;
  static constexpr uint8_t kEce = 0x40;
  static constexpr uint8_t kCwr = 0x80;
};

enum class ArpOp : uint16_t { kRequest = 1, kReply = 2 };

class PacketBuilder {
 public:
  PacketBuilder();
  ~PacketBuilder();
  PacketBuilder(const PacketBuilder& other);
  PacketBuilder& operator=(const PacketBuilder& other);
  PacketBuilder(PacketBuilder&&) noexcept;
  PacketBuilder& operator=(PacketBuilder&&) noexcept;

  // --- Ethernet ---
  PacketBuilder& Eth(const MacAddr& src, const MacAddr& dst);
  // Adds an 802.1Q tag (TPID 0x8100); call again for stacked tags, outer
  // first.
  PacketBuilder& Vlan(uint16_t vid, uint8_t pcp = 0);
  // Overrides the EtherType that is otherwise derived from the next layer
  // (required when the next layer is neither IP nor ARP).
  PacketBuilder& EtherType(uint16_t ethertype);

  // --- ARP (IPv4 over Ethernet) ---
  PacketBuilder& Arp(ArpOp op, const MacAddr& sender_mac,
                     const IpAddress& sender_ip, const MacAddr& target_mac,
                     const IpAddress& target_ip);

  // --- IP ---
  PacketBuilder& Ipv4(const IpAddress& src, const IpAddress& dst);
  PacketBuilder& Ipv6(const IpAddress& src, const IpAddress& dst);
  PacketBuilder& Ttl(uint8_t ttl);  // IPv4 TTL or IPv6 hop limit (default 64)
  PacketBuilder& Tos(uint8_t tos);  // IPv4 TOS or IPv6 traffic class
  // IPv4 identification, or the IPv6 fragment header's identification.
  PacketBuilder& IpId(uint32_t id);
  PacketBuilder& Df();  // IPv4 only
  // IPv4: sets fragment offset and MF. IPv6: appends a fragment extension
  // header. `offset_bytes` must be a multiple of 8.
  PacketBuilder& Fragment(uint16_t offset_bytes, bool more_fragments);
  // IPv4 options, zero-padded (EOL) to a multiple of 4; at most 40 bytes.
  PacketBuilder& Ipv4Options(absl::Span<const uint8_t> options);
  PacketBuilder& FlowLabel(uint32_t label);  // IPv6 only
  // IPv6 extension headers, emitted in call order. `options` are TLVs; Pad1 /
  // PadN are added to reach a multiple of 8 bytes.
  PacketBuilder& HopByHop(absl::Span<const uint8_t> options = {});
  PacketBuilder& DestOpts(absl::Span<const uint8_t> options = {});
  // Routing header with the type 0/2 layout (4 reserved bytes, then the
  // addresses). With segments_left > 0 the L4 pseudo-header uses the last
  // address as the final destination (RFC 8200 8.1).
  PacketBuilder& Routing(uint8_t type, uint8_t segments_left,
                         const std::vector<IpAddress>& addresses);
  // Overrides the protocol / next-header value derived from the next layer
  // (required for IPv4 followed by raw payload; IPv6 defaults to 59).
  PacketBuilder& IpProtocol(uint8_t protocol);
  // Writes `length` into the IPv4 total length / IPv6 payload length field
  // instead of the true value.
  PacketBuilder& IpLength(uint16_t length);
  PacketBuilder& BadIpChecksum();  // IPv4 header checksum wrong

  // --- L4 ---
  PacketBuilder& Tcp(uint16_t src_port, uint16_t dst_port, uint8_t flags);
  PacketBuilder& Seq(uint32_t seq);        // default 1
  PacketBuilder& AckNum(uint32_t ack);     // default 0; flags are separate
  PacketBuilder& Window(uint16_t window);  // default 65535
  // TCP options, zero-padded (EOL) to a multiple of 4; at most 40 bytes.
  PacketBuilder& TcpOptions(absl::Span<const uint8_t> options);
  PacketBuilder& TcpMss(uint16_t mss);  // appends an MSS option

  PacketBuilder& Udp(uint16_t src_port, uint16_t dst_port);
  PacketBuilder& UdpLength(uint16_t length);  // wrong length field
  PacketBuilder& ZeroUdpChecksum();  // "no checksum" (valid on IPv4 only)

  // ICMP (IPv4). Errors embed `inner`, usually an IP packet made by another
  // builder (possibly truncated), verbatim.
  PacketBuilder& IcmpEcho(uint16_t id, uint16_t seq);
  PacketBuilder& IcmpEchoReply(uint16_t id, uint16_t seq);
  PacketBuilder& IcmpDestUnreachable(uint8_t code,
                                     absl::Span<const uint8_t> inner);
  PacketBuilder& IcmpFragNeeded(uint16_t mtu, absl::Span<const uint8_t> inner);
  PacketBuilder& IcmpTimeExceeded(absl::Span<const uint8_t> inner);
  // Any type: `rest` is the 4 bytes after the checksum; add a body with
  // Payload().
  PacketBuilder& Icmp(uint8_t type, uint8_t code, uint32_t rest = 0);

  // ICMPv6: same conventions.
  PacketBuilder& Icmpv6Echo(uint16_t id, uint16_t seq);
  PacketBuilder& Icmpv6EchoReply(uint16_t id, uint16_t seq);
  PacketBuilder& Icmpv6DestUnreachable(uint8_t code,
                                       absl::Span<const uint8_t> inner);
  PacketBuilder& Icmpv6PacketTooBig(uint32_t mtu,
                                    absl::Span<const uint8_t> inner);
  PacketBuilder& Icmpv6(uint8_t type, uint8_t code, uint32_t rest = 0);

  // Writes a wrong checksum in the most recent TCP/UDP/ICMP/ICMPv6 layer:
  // never the right one, nor 0 / 0xffff, which a receiver could take for it
  // (or, in UDP, for "no checksum").
  PacketBuilder& BadL4Checksum();

  // --- Payload and whole-packet ---
  PacketBuilder& Payload(absl::string_view bytes);
  PacketBuilder& Payload(absl::Span<const uint8_t> bytes);
  PacketBuilder& PayloadOfSize(size_t size);  // bytes 0, 1, 2, ... (mod 256)
  // Cuts the built packet to at most `size` bytes; headers keep the lengths
  // and checksums of the whole packet.
  PacketBuilder& Truncate(size_t size);

  std::vector<uint8_t> Build() const;

 private:
  struct Layers;  // the layer list, defined in packet_builder.cc

  std::unique_ptr<Layers> layers_;
};

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_TESTING_PACKET_PACKET_BUILDER_H_
