// Known answers: the independent sum and checksum.cc against RFC 1071 and
// published examples, and builder checksums against a separate implementation.
#include "base/packet/packet_builder.h"

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/packet/checksum.h"
#include "base/packet/packet_builder_test_support.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

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

}  // namespace
}  // namespace sluice::testing
