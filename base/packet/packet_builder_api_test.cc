// API details: copies, addresses from raw types, misuse aborting.
#include "base/packet/packet_builder.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/packet/packet_builder_test_support.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

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
