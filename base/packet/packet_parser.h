// Decodes a packet into fields so tests assert on fields, not on hex.
//
//   ParsedPacket p = ParsePacket(output);
//   ASSERT_TRUE(p.ok()) << p.problem;
//   EXPECT_EQ(p.ip[0].dst, "10.1.0.5");          // outer (tunnel) header
//   EXPECT_EQ(p.ip[1].dst, "10.0.0.10");         // inner header
//   EXPECT_EQ(p.l4.dst_port, 80);
//   EXPECT_TRUE(p.l4.checksum_ok);
//
// Parsing never fails as a whole: it decodes as far as the bytes allow,
// lists what was wrong in `problem` and says in `stopped_at` where decoding
// ended early. Every checksum is recomputed and reported per layer. An L4
// checksum whose bytes are not all present (a truncated packet, the clipped
// packet inside an ICMP error) is reported wrong; for a first IP fragment it
// covers that fragment only; a later fragment has no L4 header to decode.
#ifndef SLUICE_DATAPATH_TESTING_PACKET_PACKET_PARSER_H_
#define SLUICE_DATAPATH_TESTING_PACKET_PACKET_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "base/packet/addresses.h"

namespace sluice::testing {

struct ParsedPacket;

struct EthernetInfo {
  MacAddr src, dst;
  std::vector<uint16_t> vlan_ids;  // outer first (802.1Q and 802.1ad)
  std::vector<uint8_t> vlan_pcps;  // same order
  uint16_t ethertype = 0;          // after the VLAN tags
};

struct ArpInfo {
  uint16_t op = 0;  // 1 request, 2 reply
  MacAddr sender_mac, target_mac;
  std::string sender_ip, target_ip;
};

struct Ipv6ExtInfo {
  uint8_t type = 0;  // 0 hop-by-hop, 43 routing, 44 fragment, 60 dest opts
  size_t offset = 0;
  size_t length = 0;  // bytes
};

struct IpInfo {
  int version = 0;    // 4 or 6
  size_t offset = 0;  // of the IP header within the parsed bytes
  std::string src, dst;
  // Upper-layer protocol: IPv4 protocol, or for IPv6 the next header after
  // the extension headers.
  uint8_t protocol = 0;
  uint8_t next_header = 0;  // IPv6: the fixed header's field
  uint8_t ttl = 0;          // or hop limit
  uint8_t tos = 0;          // or traffic class
  uint32_t flow_label = 0;
  size_t header_length = 0;  // IPv4 IHL * 4; IPv6 40 + extension headers
  // IPv4 total length; IPv6 40 + payload length. As written, not as present.
  size_t total_length = 0;
  std::vector<uint8_t> options;  // IPv4 options as on the wire
  std::vector<Ipv6ExtInfo> ext_headers;
  // Fragmentation (IPv4 header or IPv6 fragment header).
  uint32_t id = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t frag_offset = 0;  // bytes
  bool is_fragment = false;  // MF set or offset non-zero, or IPv6 frag header
  bool checksum_ok = true;   // IPv4 header checksum; always true for IPv6
};

enum class L4Protocol { kNone, kTcp, kUdp, kIcmp, kIcmpv6 };

struct L4Info {
  L4Protocol protocol = L4Protocol::kNone;
  size_t offset = 0;
  // TCP and UDP.
  uint16_t src_port = 0, dst_port = 0;
  // TCP.
  uint32_t seq = 0, ack_seq = 0;
  uint8_t tcp_flags = 0;  // TcpFlags bits
  uint16_t window = 0;
  size_t tcp_header_length = 0;  // data offset * 4
  std::vector<uint8_t> tcp_options;
  // UDP.
  uint16_t udp_length = 0;
  // ICMP and ICMPv6.
  uint8_t type = 0, code = 0;
  uint16_t echo_id = 0, echo_seq = 0;  // echo request/reply
  uint32_t mtu = 0;  // ICMP frag-needed, ICMPv6 packet-too-big
  // The packet embedded in an ICMP/ICMPv6 error, parsed from its IP header.
  std::shared_ptr<const ParsedPacket> inner;
  uint16_t checksum = 0;  // as on the wire
  bool checksum_ok = false;
};

struct ParsedPacket {
  absl::optional<EthernetInfo> eth;
  absl::optional<ArpInfo> arp;
  std::vector<IpInfo> ip;  // outer first; tunnels add more
  L4Info l4;
  std::vector<uint8_t> payload;  // after the last decoded header
  size_t payload_offset = 0;

  // Empty when every header was whole and consistent; otherwise each thing
  // found wrong, as "layer@offset: what", joined by "; ".
  std::string problem;
  // The layer ("ethernet", "vlan", "arp", "ipv4", "ipv6", "tcp", "udp",
  // "icmp", "icmpv6") whose header could not be decoded, and its offset.
  // Empty when decoding reached the payload.
  std::string stopped_at;
  size_t stopped_offset = 0;
  // The bytes ended before a header did, or before a length field said.
  bool truncated = false;

  bool ok() const { return problem.empty(); }
  // Whether the IP header checksums and the L4 checksum are all right.
  bool checksums_ok() const;
  // One line per layer, for test failure messages.
  std::string DebugString() const;
};

// Parses a frame starting with an Ethernet header.
ParsedPacket ParsePacket(absl::Span<const uint8_t> frame);

// Parses a packet starting with an IPv4 or IPv6 header (by version nibble).
ParsedPacket ParseIpPacket(absl::Span<const uint8_t> packet);

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_TESTING_PACKET_PACKET_PARSER_H_
