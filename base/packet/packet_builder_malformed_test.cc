// Deliberately malformed packets: wrong checksums, truncation, wrong length
// fields, and what the parser reports about each.
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

}  // namespace
}  // namespace sluice::testing
