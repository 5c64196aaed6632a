// Round trips builder -> parser for every layer kind, with every checksum
// also checked by code independent of checksum.cc and against known answers.
#include "base/packet/packet_builder.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "base/packet/checksum.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

using Bytes = std::vector<uint8_t>;

const MacAddr kClientMac("02:00:00:00:00:01");
const MacAddr kLbMac("02:00:00:00:00:02");

// --- Independent checksum verification ---
//
// Unlike checksum.cc this sums native-endian words in a 64-bit accumulator
// and swaps at the end (the sum is byte-order independent, RFC 1071 2(B)),
// and builds the pseudo-headers byte by byte as RFC 793 / RFC 8200 draw them.

uint16_t OnesComplementSum(const Bytes& bytes) {
  uint64_t acc = 0;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint16_t word = 0;
    std::memcpy(&word, &bytes[i], i + 1 < bytes.size() ? 2 : 1);
    acc += word;
  }
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return ntohs(static_cast<uint16_t>(acc));
}

Bytes Slice(const Bytes& b, size_t offset, size_t length) {
  return Bytes(b.begin() + offset, b.begin() + offset + length);
}

Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes AddressBytes(const std::string& text) {
  Bytes out(16);
  if (inet_pton(AF_INET, text.c_str(), out.data()) == 1) {
    out.resize(4);
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), out.data()), 1) << text;
  }
  return out;
}

Bytes PseudoHeader(const std::string& src, const std::string& dst,
                   uint8_t protocol, size_t length) {
  Bytes s = AddressBytes(src), d = AddressBytes(dst);
  Bytes ph = Concat(s, d);
  if (s.size() == 4) {  // RFC 793: zero, protocol, TCP length (16 bits)
    Bytes tail = {0, protocol, static_cast<uint8_t>(length >> 8),
                  static_cast<uint8_t>(length)};
    return Concat(ph, tail);
  }
  // RFC 8200 8.1: upper-layer length (32 bits), 3 zero bytes, next header.
  Bytes tail = {static_cast<uint8_t>(length >> 24),
                static_cast<uint8_t>(length >> 16),
                static_cast<uint8_t>(length >> 8),
                static_cast<uint8_t>(length),
                0,
                0,
                0,
                protocol};
  return Concat(ph, tail);
}

// A header or segment with its checksum in place sums to 0xffff.
bool Ipv4HeaderSumsToOnes(const Bytes& pkt, size_t ip_offset) {
  size_t ihl = (pkt[ip_offset] & 0xf) * 4u;
  return OnesComplementSum(Slice(pkt, ip_offset, ihl)) == 0xffff;
}

bool L4SumsToOnes(const Bytes& pkt, const std::string& src,
                  const std::string& dst, uint8_t protocol, size_t offset) {
  Bytes segment = Slice(pkt, offset, pkt.size() - offset);
  return OnesComplementSum(Concat(
             PseudoHeader(src, dst, protocol, segment.size()), segment)) ==
         0xffff;
}

bool IcmpSumsToOnes(const Bytes& pkt, size_t offset) {
  return OnesComplementSum(Slice(pkt, offset, pkt.size() - offset)) == 0xffff;
}

// --- Known answers ---

TEST(ChecksumTest, Rfc1071Example) {
  // RFC 1071 section 3: these bytes sum to 0xddf2.
  const Bytes data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(OnesComplementSum(data), 0xddf2);
  EXPECT_EQ(ChecksumAdd(data), 0xddf2u);
  EXPECT_EQ(InternetChecksum(data), 0x220d);
}

TEST(ChecksumTest, OddLengthPadsWithZero) {
  EXPECT_EQ(InternetChecksum(Bytes{0x12, 0x34, 0x56}),
            InternetChecksum(Bytes{0x12, 0x34, 0x56, 0x00}));
}

TEST(ChecksumTest, WellKnownIpv4HeaderExample) {
  // The worked example on Wikipedia's "Internet checksum" / IPv4 header
  // checksum pages: checksum 0xb861.
  const Bytes expected = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                          0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                          0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  Bytes pkt = PacketBuilder()
                  .Ipv4("192.168.0.1", "192.168.0.199")
                  .Df()
                  .Udp(1, 2)
                  .PayloadOfSize(0x73 - 28)
                  .Build();
  EXPECT_EQ(Slice(pkt, 0, 20), expected);
}

TEST(ChecksumTest, L4KnownAnswers) {
  // Computed once by a separate Python implementation (struct + sum).
  Bytes syn = PacketBuilder()
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .Tcp(40000, 80, TcpFlags::kSyn)
                  .Build();
  EXPECT_EQ(syn[20 + 16], 0xff);
  EXPECT_EQ(syn[20 + 17], 0x46);
  Bytes udp6 = PacketBuilder()
                   .Ipv6("2001:db8::1", "2001:db8::2")
                   .Udp(1234, 53)
                   .Payload("hello")
                   .Build();
  EXPECT_EQ(udp6[40 + 6], 0x5b);
  EXPECT_EQ(udp6[40 + 7], 0x86);
}

// --- Round trips ---

TEST(PacketBuilderTest, Ipv4TcpRoundTrip) {
  Bytes pkt = PacketBuilder()
                  .Eth(kClientMac, kLbMac)
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .Ttl(17)
                  .Tos(0x10)
                  .IpId(0x1234)
                  .Df()
                  .Tcp(40000, 80, TcpFlags::kSyn | TcpFlags::kAck)
                  .Seq(1000)
                  .AckNum(2000)
                  .Window(512)
                  .TcpMss(1460)
                  .Payload("hello")
                  .Build();
  ASSERT_EQ(pkt.size(), 14u + 20 + 24 + 5);

  ParsedPacket p = ParsePacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  ASSERT_TRUE(p.eth);
  EXPECT_EQ(p.eth->src, kClientMac);
  EXPECT_EQ(p.eth->dst, kLbMac);
  EXPECT_EQ(p.eth->ethertype, 0x0800);
  EXPECT_TRUE(p.eth->vlan_ids.empty());
  ASSERT_EQ(p.ip.size(), 1u);
  const IpInfo& ip = p.ip[0];
  EXPECT_EQ(ip.version, 4);
  EXPECT_EQ(ip.offset, 14u);
  EXPECT_EQ(ip.src, "10.0.0.1");
  EXPECT_EQ(ip.dst, "10.0.0.10");
  EXPECT_EQ(ip.protocol, IPPROTO_TCP);
  EXPECT_EQ(ip.ttl, 17);
  EXPECT_EQ(ip.tos, 0x10);
  EXPECT_EQ(ip.id, 0x1234u);
  EXPECT_TRUE(ip.dont_fragment);
  EXPECT_FALSE(ip.is_fragment);
  EXPECT_EQ(ip.header_length, 20u);
  EXPECT_EQ(ip.total_length, 20u + 24 + 5);
  EXPECT_TRUE(ip.checksum_ok);
  EXPECT_EQ(p.l4.protocol, L4Protocol::kTcp);
  EXPECT_EQ(p.l4.offset, 34u);
  EXPECT_EQ(p.l4.src_port, 40000);
  EXPECT_EQ(p.l4.dst_port, 80);
  EXPECT_EQ(p.l4.tcp_flags, TcpFlags::kSyn | TcpFlags::kAck);
  EXPECT_EQ(p.l4.seq, 1000u);
  EXPECT_EQ(p.l4.ack_seq, 2000u);
  EXPECT_EQ(p.l4.window, 512);
  EXPECT_EQ(p.l4.tcp_header_length, 24u);
  EXPECT_EQ(p.l4.tcp_options, (Bytes{2, 4, 0x05, 0xb4}));
  EXPECT_TRUE(p.l4.checksum_ok);
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "hello");
  EXPECT_EQ(p.payload_offset, 14u + 20 + 24);

  EXPECT_TRUE(Ipv4HeaderSumsToOnes(pkt, 14));
  EXPECT_TRUE(L4SumsToOnes(pkt, "10.0.0.1", "10.0.0.10", IPPROTO_TCP, 34));
}

TEST(PacketBuilderTest, TcpOptionsArePaddedToFourBytes) {
  const Bytes sack_permitted = {4, 2};
  Bytes pkt = PacketBuilder()
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .Tcp(1, 2, TcpFlags::kSyn)
                  .TcpOptions(sack_permitted)
                  .Build();
  ParsedPacket p = ParseIpPacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.l4.tcp_header_length, 24u);
  EXPECT_EQ(p.l4.tcp_options, (Bytes{4, 2, 0, 0}));
  EXPECT_TRUE(L4SumsToOnes(pkt, "10.0.0.1", "10.0.0.10", IPPROTO_TCP, 20));
}

TEST(PacketBuilderTest, Ipv6UdpRoundTrip) {
  Bytes pkt = PacketBuilder()
                  .Eth(kClientMac, kLbMac)
                  .Ipv6("2001:db8::1", "2001:db8::10")
                  .Ttl(3)
                  .Tos(0xb8)
                  .FlowLabel(0xabcde)
                  .Udp(5353, 53)
                  .Payload("query")
                  .Build();
  ASSERT_EQ(pkt.size(), 14u + 40 + 8 + 5);
  ParsedPacket p = ParsePacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.eth->ethertype, 0x86dd);
  ASSERT_EQ(p.ip.size(), 1u);
  EXPECT_EQ(p.ip[0].version, 6);
  EXPECT_EQ(p.ip[0].src, "2001:db8::1");
  EXPECT_EQ(p.ip[0].dst, "2001:db8::10");
  EXPECT_EQ(p.ip[0].ttl, 3);
  EXPECT_EQ(p.ip[0].tos, 0xb8);
  EXPECT_EQ(p.ip[0].flow_label, 0xabcdeu);
  EXPECT_EQ(p.ip[0].next_header, IPPROTO_UDP);
  EXPECT_EQ(p.ip[0].protocol, IPPROTO_UDP);
  EXPECT_EQ(p.ip[0].total_length, 40u + 8 + 5);
  EXPECT_EQ(p.l4.protocol, L4Protocol::kUdp);
  EXPECT_EQ(p.l4.src_port, 5353);
  EXPECT_EQ(p.l4.dst_port, 53);
  EXPECT_EQ(p.l4.udp_length, 13);
  EXPECT_TRUE(p.l4.checksum_ok);
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "query");
  EXPECT_TRUE(
      L4SumsToOnes(pkt, "2001:db8::1", "2001:db8::10", IPPROTO_UDP, 54));
}

TEST(PacketBuilderTest, VlanTags) {
  Bytes one = PacketBuilder()
                  .Eth(kClientMac, kLbMac)
                  .Vlan(100, 5)
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .Udp(1, 2)
                  .Build();
  ASSERT_EQ(one.size(), 18u + 20 + 8);
  EXPECT_EQ(one[12], 0x81);
  EXPECT_EQ(one[13], 0x00);
  ParsedPacket p = ParsePacket(one);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.eth->vlan_ids, (std::vector<uint16_t>{100}));
  EXPECT_EQ(p.eth->vlan_pcps, (std::vector<uint8_t>{5}));
  EXPECT_EQ(p.eth->ethertype, 0x0800);
  EXPECT_EQ(p.ip[0].offset, 18u);
  EXPECT_TRUE(p.checksums_ok());

  Bytes two = PacketBuilder()
                  .Eth(kClientMac, kLbMac)
                  .Vlan(10)
                  .Vlan(4094)
                  .Ipv6("2001:db8::1", "2001:db8::2")
                  .Tcp(1, 2, TcpFlags::kSyn)
                  .Build();
  p = ParsePacket(two);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.eth->vlan_ids, (std::vector<uint16_t>{10, 4094}));
  EXPECT_EQ(p.eth->ethertype, 0x86dd);
  EXPECT_EQ(p.ip[0].offset, 22u);
  EXPECT_EQ(p.l4.dst_port, 2);
  EXPECT_TRUE(p.checksums_ok());
}

TEST(PacketBuilderTest, ArpRequestAndReply) {
  Bytes request = PacketBuilder()
                      .Eth(kClientMac, "ff:ff:ff:ff:ff:ff")
                      .Arp(ArpOp::kRequest, kClientMac, "10.0.0.1",
                           "00:00:00:00:00:00", "10.0.0.10")
                      .Build();
  ASSERT_EQ(request.size(), 14u + 28);
  ParsedPacket p = ParsePacket(request);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.eth->ethertype, 0x0806);
  ASSERT_TRUE(p.arp);
  EXPECT_EQ(p.arp->op, 1);
  EXPECT_EQ(p.arp->sender_mac, kClientMac);
  EXPECT_EQ(p.arp->sender_ip, "10.0.0.1");
  EXPECT_EQ(p.arp->target_mac, MacAddr("00:00:00:00:00:00"));
  EXPECT_EQ(p.arp->target_ip, "10.0.0.10");
  EXPECT_TRUE(p.ip.empty());

  Bytes reply =
      PacketBuilder()
          .Eth(kLbMac, kClientMac)
          .Arp(ArpOp::kReply, kLbMac, "10.0.0.10", kClientMac, "10.0.0.1")
          .Build();
  p = ParsePacket(reply);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.arp->op, 2);
  EXPECT_EQ(p.arp->sender_mac, kLbMac);
  EXPECT_EQ(p.arp->target_ip, "10.0.0.1");
}

TEST(PacketBuilderTest, Ipv4Options) {
  const Bytes router_alert = {0x94, 0x04, 0x00, 0x00};
  const Bytes nop = {0x01};
  Bytes pkt = PacketBuilder()
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .Ipv4Options(router_alert)
                  .Udp(1, 2)
                  .Build();
  ParsedPacket p = ParseIpPacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(pkt[0], 0x46);
  EXPECT_EQ(p.ip[0].header_length, 24u);
  EXPECT_EQ(p.ip[0].options, router_alert);
  EXPECT_EQ(p.ip[0].total_length, 24u + 8);
  EXPECT_EQ(p.l4.offset, 24u);
  EXPECT_TRUE(p.checksums_ok());
  EXPECT_TRUE(Ipv4HeaderSumsToOnes(pkt, 0));

  p = ParseIpPacket(PacketBuilder()
                        .Ipv4("10.0.0.1", "10.0.0.10")
                        .Ipv4Options(nop)
                        .Udp(1, 2)
                        .Build());
  EXPECT_EQ(p.ip[0].options, (Bytes{1, 0, 0, 0}));
  EXPECT_TRUE(p.checksums_ok());
}

TEST(PacketBuilderTest, Ipv4Fragments) {
  Bytes first = PacketBuilder()
                    .Ipv4("10.0.0.1", "10.0.0.10")
                    .IpId(77)
                    .Fragment(0, true)
                    .Udp(1000, 53)
                    .PayloadOfSize(16)
                    .Build();
  ParsedPacket p = ParseIpPacket(first);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_TRUE(p.ip[0].is_fragment);
  EXPECT_TRUE(p.ip[0].more_fragments);
  EXPECT_EQ(p.ip[0].frag_offset, 0);
  EXPECT_EQ(p.ip[0].id, 77u);
  EXPECT_EQ(p.l4.protocol, L4Protocol::kUdp);
  EXPECT_EQ(p.l4.dst_port, 53);

  Bytes later = PacketBuilder()
                    .Ipv4("10.0.0.1", "10.0.0.10")
                    .IpId(77)
                    .Fragment(1480, false)
                    .IpProtocol(IPPROTO_UDP)
                    .PayloadOfSize(24)
                    .Build();
  EXPECT_EQ(later[6], 0x00);  // flags 0, offset 185 units = 0x00b9
  EXPECT_EQ(later[7], 0xb9);
  p = ParseIpPacket(later);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_TRUE(p.ip[0].is_fragment);
  EXPECT_FALSE(p.ip[0].more_fragments);
  EXPECT_EQ(p.ip[0].frag_offset, 1480);
  EXPECT_EQ(p.ip[0].protocol, IPPROTO_UDP);
  EXPECT_EQ(p.l4.protocol, L4Protocol::kNone);  // no L4 header here
  EXPECT_EQ(p.payload.size(), 24u);
  EXPECT_TRUE(Ipv4HeaderSumsToOnes(later, 0));
}

TEST(PacketBuilderTest, Ipv6ExtensionHeaders) {
  const Bytes router_alert = {0x05, 0x02, 0x00, 0x00};
  Bytes pkt = PacketBuilder()
                  .Ipv6("2001:db8::1", "2001:db8::10")
                  .HopByHop(router_alert)
                  .Routing(0, 1, {"2001:db8::99"})
                  .DestOpts()
                  .Tcp(1234, 443, TcpFlags::kSyn)
                  .Build();
  ASSERT_EQ(pkt.size(), 40u + 8 + 24 + 8 + 20);
  ParsedPacket p = ParseIpPacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  const IpInfo& ip = p.ip[0];
  EXPECT_EQ(ip.next_header, IPPROTO_HOPOPTS);
  EXPECT_EQ(ip.protocol, IPPROTO_TCP);
  ASSERT_EQ(ip.ext_headers.size(), 3u);
  EXPECT_EQ(ip.ext_headers[0].type, IPPROTO_HOPOPTS);
  EXPECT_EQ(ip.ext_headers[0].length, 8u);
  EXPECT_EQ(ip.ext_headers[1].type, IPPROTO_ROUTING);
  EXPECT_EQ(ip.ext_headers[1].offset, 48u);
  EXPECT_EQ(ip.ext_headers[1].length, 24u);
  EXPECT_EQ(ip.ext_headers[2].type, IPPROTO_DSTOPTS);
  EXPECT_EQ(ip.header_length, 80u);
  EXPECT_EQ(ip.total_length, pkt.size());
  EXPECT_EQ(p.l4.offset, 80u);
  EXPECT_EQ(p.l4.dst_port, 443);
  EXPECT_TRUE(p.l4.checksum_ok);
  // With a segment left, the pseudo-header names the final destination.
  EXPECT_TRUE(
      L4SumsToOnes(pkt, "2001:db8::1", "2001:db8::99", IPPROTO_TCP, 80));
  EXPECT_FALSE(
      L4SumsToOnes(pkt, "2001:db8::1", "2001:db8::10", IPPROTO_TCP, 80));
  // PadN fills the hop-by-hop header: 2 + 4 option bytes + PadN(0).
  EXPECT_EQ(Slice(pkt, 42, 6), (Bytes{0x05, 0x02, 0x00, 0x00, 0x01, 0x00}));
}

TEST(PacketBuilderTest, Ipv6Fragments) {
  Bytes first = PacketBuilder()
                    .Ipv6("2001:db8::1", "2001:db8::10")
                    .Fragment(0, true)
                    .IpId(0xabcdef01)
                    .Udp(1000, 53)
                    .PayloadOfSize(16)
                    .Build();
  ParsedPacket p = ParseIpPacket(first);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.ip[0].next_header, IPPROTO_FRAGMENT);
  EXPECT_EQ(p.ip[0].protocol, IPPROTO_UDP);
  EXPECT_TRUE(p.ip[0].is_fragment);
  EXPECT_TRUE(p.ip[0].more_fragments);
  EXPECT_EQ(p.ip[0].id, 0xabcdef01u);
  EXPECT_EQ(p.l4.dst_port, 53);
  EXPECT_TRUE(p.l4.checksum_ok);

  Bytes later = PacketBuilder()
                    .Ipv6("2001:db8::1", "2001:db8::10")
                    .Fragment(1232, false)
                    .IpProtocol(IPPROTO_UDP)
                    .PayloadOfSize(8)
                    .Build();
  p = ParseIpPacket(later);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.ip[0].frag_offset, 1232);
  EXPECT_FALSE(p.ip[0].more_fragments);
  EXPECT_EQ(p.ip[0].protocol, IPPROTO_UDP);
  EXPECT_EQ(p.l4.protocol, L4Protocol::kNone);
  EXPECT_EQ(p.payload.size(), 8u);
}

TEST(PacketBuilderTest, IcmpEcho) {
  Bytes pkt = PacketBuilder()
                  .Eth(kClientMac, kLbMac)
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .IcmpEcho(0x4242, 7)
                  .Payload("ping")
                  .Build();
  ParsedPacket p = ParsePacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.ip[0].protocol, IPPROTO_ICMP);
  EXPECT_EQ(p.l4.protocol, L4Protocol::kIcmp);
  EXPECT_EQ(p.l4.type, 8);
  EXPECT_EQ(p.l4.code, 0);
  EXPECT_EQ(p.l4.echo_id, 0x4242);
  EXPECT_EQ(p.l4.echo_seq, 7);
  EXPECT_TRUE(p.l4.checksum_ok);
  EXPECT_FALSE(p.l4.inner);
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "ping");
  EXPECT_TRUE(IcmpSumsToOnes(pkt, 34));

  p = ParseIpPacket(PacketBuilder()
                        .Ipv4("10.0.0.10", "10.0.0.1")
                        .IcmpEchoReply(1, 2)
                        .Build());
  EXPECT_EQ(p.l4.type, 0);
  EXPECT_EQ(p.l4.echo_seq, 2);
  EXPECT_TRUE(p.checksums_ok());
}

TEST(PacketBuilderTest, IcmpFragNeededEmbedsInnerTcp) {
  // The LB's reply to the client, as a router would clip it: IP header plus
  // the first 8 bytes of TCP.
  Bytes inner = PacketBuilder()
                    .Ipv4("10.0.0.10", "10.0.0.1")
                    .Df()
                    .Tcp(80, 40000, TcpFlags::kAck)
                    .Seq(123456)
                    .PayloadOfSize(1400)
                    .Truncate(28)
                    .Build();
  Bytes pkt = PacketBuilder()
                  .Eth(kClientMac, kLbMac)
                  .Ipv4("192.0.2.1", "10.0.0.10")
                  .IcmpFragNeeded(1400, inner)
                  .Build();
  ASSERT_EQ(pkt.size(), 14u + 20 + 8 + 28);
  ParsedPacket p = ParsePacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.l4.type, 3);
  EXPECT_EQ(p.l4.code, 4);
  EXPECT_EQ(p.l4.mtu, 1400u);
  EXPECT_TRUE(p.checksums_ok());
  EXPECT_TRUE(IcmpSumsToOnes(pkt, 34));
  ASSERT_TRUE(p.l4.inner);
  const ParsedPacket& in = *p.l4.inner;
  ASSERT_EQ(in.ip.size(), 1u);
  EXPECT_EQ(in.ip[0].src, "10.0.0.10");
  EXPECT_EQ(in.ip[0].dst, "10.0.0.1");
  EXPECT_EQ(in.ip[0].total_length, 20u + 20 + 1400);  // the original length
  EXPECT_TRUE(in.ip[0].checksum_ok);
  EXPECT_EQ(in.l4.protocol, L4Protocol::kTcp);
  EXPECT_EQ(in.l4.src_port, 80);
  EXPECT_EQ(in.l4.dst_port, 40000);
  EXPECT_EQ(in.l4.seq, 123456u);
  EXPECT_TRUE(in.truncated);
  EXPECT_EQ(in.stopped_at, "tcp");
  EXPECT_FALSE(in.l4.checksum_ok);  // most of the segment is missing

  // An unclipped inner packet verifies completely.
  Bytes whole = PacketBuilder()
                    .Ipv4("10.0.0.10", "10.0.0.1")
                    .Tcp(80, 40000, TcpFlags::kAck)
                    .Build();
  p = ParsePacket(PacketBuilder()
                      .Eth(kClientMac, kLbMac)
                      .Ipv4("192.0.2.1", "10.0.0.10")
                      .IcmpFragNeeded(1280, whole)
                      .Build());
  ASSERT_TRUE(p.l4.inner);
  EXPECT_TRUE(p.l4.inner->ok()) << p.l4.inner->DebugString();
  EXPECT_TRUE(p.l4.inner->checksums_ok());
  EXPECT_EQ(p.l4.mtu, 1280u);
}

TEST(PacketBuilderTest, OtherIcmpErrors) {
  Bytes inner = PacketBuilder().Ipv4("10.0.0.1", "10.0.0.10").Udp(5, 6).Build();
  ParsedPacket p = ParseIpPacket(PacketBuilder()
                                     .Ipv4("192.0.2.1", "10.0.0.1")
                                     .IcmpDestUnreachable(3, inner)
                                     .Build());
  EXPECT_EQ(p.l4.type, 3);
  EXPECT_EQ(p.l4.code, 3);
  EXPECT_EQ(p.l4.mtu, 0u);
  ASSERT_TRUE(p.l4.inner);
  EXPECT_EQ(p.l4.inner->l4.dst_port, 6);
  EXPECT_TRUE(p.checksums_ok());

  p = ParseIpPacket(PacketBuilder()
                        .Ipv4("192.0.2.1", "10.0.0.1")
                        .IcmpTimeExceeded(inner)
                        .Build());
  EXPECT_EQ(p.l4.type, 11);
  ASSERT_TRUE(p.l4.inner);
  EXPECT_EQ(p.l4.inner->ip[0].dst, "10.0.0.10");
  EXPECT_TRUE(p.checksums_ok());
}

TEST(PacketBuilderTest, Icmpv6EchoAndPacketTooBig) {
  Bytes echo = PacketBuilder()
                   .Eth(kClientMac, kLbMac)
                   .Ipv6("2001:db8::1", "2001:db8::10")
                   .Icmpv6Echo(9, 10)
                   .Payload("ping6")
                   .Build();
  ParsedPacket p = ParsePacket(echo);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.ip[0].protocol, IPPROTO_ICMPV6);
  EXPECT_EQ(p.l4.protocol, L4Protocol::kIcmpv6);
  EXPECT_EQ(p.l4.type, 128);
  EXPECT_EQ(p.l4.echo_id, 9);
  EXPECT_EQ(p.l4.echo_seq, 10);
  EXPECT_TRUE(p.l4.checksum_ok);
  EXPECT_TRUE(
      L4SumsToOnes(echo, "2001:db8::1", "2001:db8::10", IPPROTO_ICMPV6, 54));

  Bytes inner = PacketBuilder()
                    .Ipv6("2001:db8::10", "2001:db8::1")
                    .Tcp(443, 50000, TcpFlags::kAck)
                    .PayloadOfSize(1500)
                    .Truncate(1280 - 48)
                    .Build();
  Bytes ptb = PacketBuilder()
                  .Ipv6("2001:db8::fe", "2001:db8::10")
                  .Icmpv6PacketTooBig(1280, inner)
                  .Build();
  ASSERT_EQ(ptb.size(), 1280u);
  p = ParseIpPacket(ptb);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  EXPECT_EQ(p.l4.type, 2);
  EXPECT_EQ(p.l4.mtu, 1280u);
  EXPECT_TRUE(p.l4.checksum_ok);
  EXPECT_TRUE(
      L4SumsToOnes(ptb, "2001:db8::fe", "2001:db8::10", IPPROTO_ICMPV6, 40));
  ASSERT_TRUE(p.l4.inner);
  EXPECT_EQ(p.l4.inner->ip[0].src, "2001:db8::10");
  EXPECT_EQ(p.l4.inner->l4.src_port, 443);
  EXPECT_EQ(p.l4.inner->l4.dst_port, 50000);

  p = ParseIpPacket(PacketBuilder()
                        .Ipv6("2001:db8::fe", "2001:db8::1")
                        .Icmpv6DestUnreachable(4, inner)
                        .Build());
  EXPECT_EQ(p.l4.type, 1);
  EXPECT_EQ(p.l4.code, 4);
  EXPECT_TRUE(p.l4.inner);
  EXPECT_TRUE(p.checksums_ok());

  p = ParseIpPacket(PacketBuilder()
                        .Ipv6("2001:db8::10", "2001:db8::1")
                        .Icmpv6EchoReply(9, 10)
                        .Build());
  EXPECT_EQ(p.l4.type, 129);
  EXPECT_TRUE(p.checksums_ok());
}

struct TunnelCase {
  const char* name;
  const char* outer_src;
  const char* outer_dst;
  const char* inner_src;
  const char* inner_dst;
  uint8_t outer_protocol;
  size_t outer_header;
  size_t inner_header;
};

void PrintTo(const TunnelCase& c, std::ostream* os) { *os << c.name; }

class TunnelTest : public ::testing::TestWithParam<TunnelCase> {};

PacketBuilder& AddIp(PacketBuilder& b, const char* src, const char* dst) {
  return IpAddress(src).is_v4() ? b.Ipv4(src, dst) : b.Ipv6(src, dst);
}

TEST_P(TunnelTest, EncapsulatesAndParsesBothLayers) {
  const TunnelCase& c = GetParam();
  PacketBuilder b;
  b.Eth(kLbMac, kClientMac);
  AddIp(b, c.outer_src, c.outer_dst);
  AddIp(b, c.inner_src, c.inner_dst);
  Bytes pkt = b.Tcp(40000, 80, TcpFlags::kSyn).Payload("data").Build();

  const size_t inner_length = c.inner_header + 20 + 4;
  ASSERT_EQ(pkt.size(), 14 + c.outer_header + inner_length);
  ParsedPacket p = ParsePacket(pkt);
  ASSERT_TRUE(p.ok()) << p.DebugString();
  ASSERT_EQ(p.ip.size(), 2u);
  EXPECT_EQ(p.ip[0].src, c.outer_src);
  EXPECT_EQ(p.ip[0].dst, c.outer_dst);
  EXPECT_EQ(p.ip[0].protocol, c.outer_protocol);
  EXPECT_EQ(p.ip[0].total_length, c.outer_header + inner_length);
  EXPECT_EQ(p.ip[1].src, c.inner_src);
  EXPECT_EQ(p.ip[1].dst, c.inner_dst);
  EXPECT_EQ(p.ip[1].offset, 14 + c.outer_header);
  EXPECT_EQ(p.ip[1].protocol, IPPROTO_TCP);
  EXPECT_EQ(p.ip[1].total_length, inner_length);
  EXPECT_EQ(p.l4.src_port, 40000);
  EXPECT_EQ(p.l4.dst_port, 80);
  EXPECT_TRUE(p.checksums_ok());
  // The TCP checksum is over the inner addresses.
  EXPECT_TRUE(
      L4SumsToOnes(pkt, c.inner_src, c.inner_dst, IPPROTO_TCP, p.l4.offset));
  if (p.ip[0].version == 4) {
    EXPECT_TRUE(Ipv4HeaderSumsToOnes(pkt, 14));
  }
  if (p.ip[1].version == 4) {
    EXPECT_TRUE(Ipv4HeaderSumsToOnes(pkt, p.ip[1].offset));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, TunnelTest,
    ::testing::Values(TunnelCase{"Ipip", "10.1.0.1", "10.1.0.5", "10.0.0.1",
                                 "10.0.0.10", IPPROTO_IPIP, 20, 20},
                      TunnelCase{"Ip6ip6", "fd00::1", "fd00::5", "2001:db8::1",
                                 "2001:db8::10", IPPROTO_IPV6, 40, 40},
                      TunnelCase{"Ipv4InIpv6", "fd00::1", "fd00::5", "10.0.0.1",
                                 "10.0.0.10", IPPROTO_IPIP, 40, 20}),
    [](const ::testing::TestParamInfo<TunnelCase>& info) {
      return std::string(info.param.name);
    });

// --- Deliberately malformed packets ---

TEST(MalformedTest, BadL4ChecksumEveryKind) {
  Bytes tcp = PacketBuilder()
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .Tcp(1, 2, TcpFlags::kSyn)
                  .Payload("x")
                  .BadL4Checksum()
                  .Build();
  Bytes udp6 = PacketBuilder()
                   .Ipv6("2001:db8::1", "2001:db8::2")
                   .Udp(1, 2)
                   .BadL4Checksum()
                   .Build();
  Bytes icmp = PacketBuilder()
                   .Ipv4("10.0.0.1", "10.0.0.10")
                   .IcmpEcho(1, 1)
                   .BadL4Checksum()
                   .Build();
  Bytes icmp6 = PacketBuilder()
                    .Ipv6("2001:db8::1", "2001:db8::2")
                    .Icmpv6Echo(1, 1)
                    .BadL4Checksum()
                    .Build();
  for (const Bytes* pkt : {&tcp, &udp6, &icmp, &icmp6}) {
    ParsedPacket p = ParseIpPacket(*pkt);
    EXPECT_TRUE(p.ok()) << p.DebugString();  // well-formed, only the sum is off
    EXPECT_TRUE(p.ip[0].checksum_ok);
    EXPECT_FALSE(p.l4.checksum_ok) << p.DebugString();
    EXPECT_FALSE(p.checksums_ok());
  }
  EXPECT_FALSE(L4SumsToOnes(tcp, "10.0.0.1", "10.0.0.10", IPPROTO_TCP, 20));
  EXPECT_FALSE(
      L4SumsToOnes(udp6, "2001:db8::1", "2001:db8::2", IPPROTO_UDP, 40));
  EXPECT_FALSE(IcmpSumsToOnes(icmp, 20));
  EXPECT_FALSE(
      L4SumsToOnes(icmp6, "2001:db8::1", "2001:db8::2", IPPROTO_ICMPV6, 40));
}

TEST(MalformedTest, BadIpChecksum) {
  Bytes pkt = PacketBuilder()
                  .Ipv4("10.0.0.1", "10.0.0.10")
                  .BadIpChecksum()
                  .Udp(1, 2)
                  .Build();
  ParsedPacket p = ParseIpPacket(pkt);
  EXPECT_FALSE(p.ip[0].checksum_ok);
  EXPECT_TRUE(p.l4.checksum_ok);
  EXPECT_FALSE(Ipv4HeaderSumsToOnes(pkt, 0));
}

TEST(MalformedTest, TruncatedReportsWhereParsingStopped) {
  PacketBuilder b;
  b.Eth(kClientMac, kLbMac).Ipv4("10.0.0.1", "10.0.0.10").Tcp(1, 2, 0);
  ParsedPacket p = ParsePacket(PacketBuilder(b).Truncate(14 + 20 + 10).Build());
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.stopped_at, "tcp");
  EXPECT_EQ(p.stopped_offset, 34u);
  EXPECT_EQ(p.l4.src_port, 1);  // decoded as far as the bytes go
  ASSERT_EQ(p.ip.size(), 1u);

  p = ParsePacket(PacketBuilder(b).Truncate(14 + 10).Build());
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.stopped_at, "ipv4");
  EXPECT_EQ(p.stopped_offset, 14u);
  EXPECT_TRUE(p.ip.empty());

  p = ParsePacket(PacketBuilder(b).Truncate(6).Build());
  EXPECT_EQ(p.stopped_at, "ethernet");
  EXPECT_FALSE(p.eth);
}

TEST(MalformedTest, WrongLengthFields) {
  ParsedPacket p = ParseIpPacket(PacketBuilder()
                                     .Ipv4("10.0.0.1", "10.0.0.10")
                                     .IpLength(1000)
                                     .Udp(1, 2)
                                     .Build());
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.ip[0].total_length, 1000u);
  EXPECT_TRUE(p.ip[0].checksum_ok);  // the header is consistent with itself
  EXPECT_FALSE(p.l4.checksum_ok);

  p = ParseIpPacket(PacketBuilder()
                        .Ipv4("10.0.0.1", "10.0.0.10")
                        .IpLength(10)
                        .Udp(1, 2)
                        .Build());
  EXPECT_EQ(p.stopped_at, "ipv4");

  p = ParseIpPacket(PacketBuilder()
                        .Ipv6("2001:db8::1", "2001:db8::2")
                        .Udp(1, 2)
                        .UdpLength(100)
                        .Build());
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.l4.udp_length, 100);
  EXPECT_NE(p.problem.find("udp"), std::string::npos) << p.problem;
}

TEST(MalformedTest, ZeroUdpChecksum) {
  ParsedPacket p = ParseIpPacket(PacketBuilder()
                                     .Ipv4("10.0.0.1", "10.0.0.10")
                                     .Udp(1, 2)
                                     .ZeroUdpChecksum()
                                     .Build());
  EXPECT_EQ(p.l4.checksum, 0);
  EXPECT_TRUE(p.l4.checksum_ok);  // "no checksum" is allowed over IPv4

  p = ParseIpPacket(PacketBuilder()
                        .Ipv6("2001:db8::1", "2001:db8::2")
                        .Udp(1, 2)
                        .ZeroUdpChecksum()
                        .Build());
  EXPECT_FALSE(p.l4.checksum_ok);  // but not over IPv6
}

// --- API details ---

TEST(PacketBuilderTest, CopiedBuilderIsIndependent) {
  PacketBuilder base;
  base.Eth(kClientMac, kLbMac).Ipv4("10.0.0.1", "10.0.0.10");
  Bytes a = PacketBuilder(base).Udp(1, 2).Build();
  Bytes b = PacketBuilder(base).Tcp(3, 4, TcpFlags::kSyn).Build();
  EXPECT_EQ(ParsePacket(a).l4.protocol, L4Protocol::kUdp);
  EXPECT_EQ(ParsePacket(b).l4.protocol, L4Protocol::kTcp);
}

TEST(PacketBuilderTest, AddressesFromRawTypes) {
  in_addr a4{};
  inet_pton(AF_INET, "10.0.0.1", &a4);
  in6_addr a6{};
  inet_pton(AF_INET6, "2001:db8::1", &a6);
  EXPECT_EQ(IpAddress(a4).ToString(), "10.0.0.1");
  EXPECT_EQ(IpAddress(a6).ToString(), "2001:db8::1");
  ParsedPacket p =
      ParseIpPacket(PacketBuilder().Ipv4(a4, "10.0.0.2").Udp(1, 2).Build());
  EXPECT_EQ(p.ip[0].src, "10.0.0.1");
  EXPECT_FALSE(IpAddress::Parse("10.0.0.256").ok());
  EXPECT_EQ(MacAddr(0x02, 0, 0, 0, 0, 0x01), kClientMac);
}

TEST(PacketBuilderDeathTest, MisuseAborts) {
  EXPECT_DEATH(PacketBuilder().Ttl(3), "Ttl\\(\\) has no layer");
  EXPECT_DEATH(PacketBuilder().Ipv4("2001:db8::1", "10.0.0.1"), "must be IPv4");
  EXPECT_DEATH(PacketBuilder().Ipv6("2001:db8::1", "2001:db8::2").Df(),
               "does not apply to IPv6");
  EXPECT_DEATH(PacketBuilder().Ipv4("10.0.0.1", "10.0.0.2").Build(),
               "set IpProtocol");
  EXPECT_DEATH(IpAddress("not-an-ip"), "bad IP literal");
}

}  // namespace
}  // namespace sluice::testing
