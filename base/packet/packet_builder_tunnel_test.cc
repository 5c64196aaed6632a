// Stacked IP layers: IPIP, IP6IP6 and IPv4-in-IPv6, each parsed on both layers.
#include "base/packet/packet_builder.h"

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "base/packet/packet_builder_test_support.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

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

}  // namespace
}  // namespace sluice::testing
