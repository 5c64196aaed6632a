#include "base/ip_address.h"

#include <string>

#include "base/address_rules.h"
#include "base/quote_value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

IpAddress Ip(const std::string& text) { return *ParseIpAddress(text); }

std::string Why(const absl::Status& s) { return std::string(s.message()); }

template <typename T>
std::string Why(const absl::StatusOr<T>& s) {
  return s.ok() ? "accepted" : Why(s.status());
}

TEST(ParseIpAddress, TheWholeTextOrNothing) {
  EXPECT_EQ(Ip("10.0.0.1").ToString(), "10.0.0.1");
  EXPECT_EQ(Ip("2001:db8::1").ToString(), "2001:db8::1");
  EXPECT_EQ(Why(ParseIpAddress(std::string("10.0.0.1\0junk", 13))),
            "'10.0.0.1\\x00junk' is not an IP address");
  EXPECT_EQ(Why(ParseIpAddress(std::string("10.0.0.1\0", 9))),
            "'10.0.0.1\\x00' is not an IP address");
  EXPECT_EQ(Why(ParseIpAddress(" 10.0.0.1")), "' 10.0.0.1' is not an IP address");
  EXPECT_EQ(Why(ParseIpAddress("")), "'' is not an IP address");
  EXPECT_FALSE(ParseIpAddress(std::string(1000, '1')).ok());
}

TEST(ParseIpPrefix, Forms) {
  EXPECT_EQ(ParseIpPrefix("10.0.0.0/8")->ToString(), "10.0.0.0/8");
  EXPECT_EQ(ParseIpPrefix("0.0.0.0/0")->ToString(), "0.0.0.0/0");
  EXPECT_EQ(ParseIpPrefix("192.0.2.1")->ToString(), "192.0.2.1/32");
  EXPECT_EQ(ParseIpPrefix("2001:db8::/32")->ToString(), "2001:db8::/32");
  EXPECT_EQ(ParseIpPrefix("::/0")->ToString(), "::/0");
  EXPECT_EQ(ParseIpPrefix("2001:db8::1")->ToString(), "2001:db8::1/128");
}

TEST(ParseIpPrefix, HostBitsAreAnErrorNamingThePrefix) {
  EXPECT_EQ(Why(ParseIpPrefix("10.0.0.1/8")),
            "'10.0.0.1/8' has host bits set beyond /8 (the prefix is 10.0.0.0/8)");
  EXPECT_EQ(Why(ParseIpPrefix("2001:db8::1/32")),
            "'2001:db8::1/32' has host bits set beyond /32 (the prefix is 2001:db8::/32)");
  EXPECT_EQ(Why(ParseIpPrefix("0.0.0.1/0")),
            "'0.0.0.1/0' has host bits set beyond /0 (the prefix is 0.0.0.0/0)");
}

TEST(ParseIpPrefix, LengthIsPlainDecimal) {
  for (const char* text : {"10.0.0.0/ 8", "10.0.0.0/8 ", "10.0.0.0/+8", "10.0.0.0/08",
                           "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/33", "10.0.0.0/8/8",
                           "10.0.0.0/0x8", "10.0.0.0/8\n"}) {
    EXPECT_THAT(Why(ParseIpPrefix(text)), HasSubstr("prefix length must be 0..32")) << text;
  }
  EXPECT_THAT(Why(ParseIpPrefix("::/129")), HasSubstr("prefix length must be 0..128"));
  EXPECT_THAT(Why(ParseIpPrefix(std::string("10.0.0.0/8\0", 11))),
              HasSubstr("prefix length must be 0..32"));
  EXPECT_EQ(Why(ParseIpPrefix(std::string("10.0.0.0\0/8", 11))),
            "'10.0.0.0\\x00/8' is not a CIDR prefix");
  EXPECT_EQ(Why(ParseIpPrefix(" 10.0.0.0/8")), "' 10.0.0.0/8' is not a CIDR prefix");
}

TEST(QuoteValue, CutsLongValuesAndEscapes) {
  EXPECT_EQ(QuoteValue("abc"), "'abc'");
  EXPECT_EQ(QuoteValue(std::string(100, 'x')), "'" + std::string(100, 'x') + "'");
  EXPECT_EQ(QuoteValue(std::string(101, 'x')), "'" + std::string(100, 'x') + "...'");
  EXPECT_EQ(QuoteValue(std::string("a\0\n", 3)), "'a\\x00\\n'");
  std::string huge(4 << 20, '7');
  EXPECT_LT(Why(ParseIpAddress(huge)).size(), 150u);
  EXPECT_LT(Why(ParseIpPrefix(huge)).size(), 150u);
}

TEST(AddressRules, Ipv4MappedSaysTheIpv4Form) {
  EXPECT_EQ(Why(CheckNotV4Mapped(Ip("::ffff:10.0.0.1"))),
            "'::ffff:10.0.0.1' is an IPv4-mapped IPv6 address: use the IPv4 form 10.0.0.1");
  EXPECT_EQ(Why(CheckNotV4Mapped(*ParseIpPrefix("::ffff:10.0.0.0/104"))),
            "'::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 prefix: use the IPv4 form 10.0.0.0/8");
  EXPECT_EQ(Why(CheckNotV4Mapped(*ParseIpPrefix("::ffff:0:0/96"))),
            "'::ffff:0.0.0.0/96' is an IPv4-mapped IPv6 prefix: use the IPv4 form 0.0.0.0/0");
  EXPECT_TRUE(CheckNotV4Mapped(*ParseIpPrefix("::/0")).ok());
  EXPECT_TRUE(CheckNotV4Mapped(Ip("::1")).ok());
  EXPECT_TRUE(CheckNotV4Mapped(Ip("64:ff9b::10.0.0.1")).ok()) << "NAT64 is a real IPv6 address";
  EXPECT_TRUE(CheckNotV4Mapped(Ip("10.0.0.1")).ok());
  EXPECT_FALSE(CheckUnicast(Ip("::ffff:10.0.0.1")).ok());
}

TEST(AddressRules, UnicastOnly) {
  EXPECT_EQ(Why(CheckUnicast(Ip("0.0.0.0"))),
            "'0.0.0.0' is the unspecified address, not a unicast host address");
  EXPECT_EQ(Why(CheckUnicast(Ip("::"))),
            "'::' is the unspecified address, not a unicast host address");
  EXPECT_EQ(Why(CheckUnicast(Ip("224.0.0.1"))),
            "'224.0.0.1' is a multicast address, not a unicast host address");
  EXPECT_FALSE(CheckUnicast(Ip("239.255.255.255")).ok());
  EXPECT_FALSE(CheckUnicast(Ip("ff02::1")).ok());
  EXPECT_EQ(Why(CheckUnicast(Ip("255.255.255.255"))),
            "'255.255.255.255' is the broadcast address, not a unicast host address");
  for (const char* ok : {"10.0.0.1", "223.255.255.255", "240.0.0.1", "2001:db8::1", "fe80::1"}) {
    EXPECT_TRUE(CheckUnicast(Ip(ok)).ok()) << ok;
  }
}

TEST(AddressRules, RealIsUnicastAndNotTheVip) {
  IpAddress vip = Ip("10.0.0.10");
  EXPECT_TRUE(CheckReal(Ip("10.1.0.1"), vip).ok());
  EXPECT_EQ(Why(CheckReal(Ip("10.0.0.10"), vip)), "'10.0.0.10' is the VIP's own address");
  EXPECT_FALSE(CheckReal(Ip("0.0.0.0"), vip).ok());
  EXPECT_FALSE(CheckReal(Ip("255.255.255.255"), vip).ok());
  EXPECT_FALSE(CheckReal(Ip("224.0.0.5"), vip).ok());
  EXPECT_FALSE(CheckReal(Ip("::ffff:10.1.0.1"), vip).ok());
}

}  // namespace
}  // namespace sluice
