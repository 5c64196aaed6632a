// Round trips builder -> parser for ICMP and ICMPv6: echo, and errors that
// embed the offending packet.
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

}  // namespace
}  // namespace sluice::testing
