// Round trips builder -> parser for Ethernet, VLAN, ARP, IPv4 and IPv6 (options,
// extension headers, fragments), TCP and UDP, with every checksum also checked
// by code independent of checksum.cc.
#include "base/packet/packet_builder.h"

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/packet/packet_builder_test_support.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

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

}  // namespace
}  // namespace sluice::testing
