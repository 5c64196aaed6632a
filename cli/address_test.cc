#include "cli/address.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cli {
namespace {

using ::testing::HasSubstr;

TEST(ParseVip, Ipv4) {
  auto vip = ParseVip("10.0.0.10:80/tcp");
  ASSERT_TRUE(vip.ok()) << vip.status();
  EXPECT_EQ(vip->address(), "10.0.0.10");
  EXPECT_EQ(vip->port(), 80u);
  EXPECT_EQ(vip->protocol(), sluice::v1::PROTOCOL_TCP);
}

TEST(ParseVip, BracketedIpv6) {
  auto vip = ParseVip("[2001:db8::10]:443/udp");
  ASSERT_TRUE(vip.ok()) << vip.status();
  EXPECT_EQ(vip->address(), "2001:db8::10");
  EXPECT_EQ(vip->port(), 443u);
  EXPECT_EQ(vip->protocol(), sluice::v1::PROTOCOL_UDP);
}

TEST(ParseVip, PortZeroAndLimits) {
  auto all = ParseVip("192.0.2.1:0/udp");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->port(), 0u);
  auto max = ParseVip("[::1]:65535/TCP");
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(max->port(), 65535u);
  EXPECT_EQ(max->protocol(), sluice::v1::PROTOCOL_TCP);
}

struct BadVip {
  const char* text;
  const char* why;
};

class ParseVipBad : public ::testing::TestWithParam<BadVip> {};

TEST_P(ParseVipBad, NamesTheArgumentAndTheReason) {
  auto vip = ParseVip(GetParam().text);
  ASSERT_FALSE(vip.ok());
  EXPECT_EQ(vip.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(vip.status().message(), HasSubstr(absl::StrCat("'", GetParam().text, "'")));
  EXPECT_THAT(vip.status().message(), HasSubstr(GetParam().why));
}

INSTANTIATE_TEST_SUITE_P(
    All, ParseVipBad,
    ::testing::Values(BadVip{"10.0.0.10:80", "missing protocol"},
                      BadVip{"10.0.0.10:80/sctp", "'sctp' is not tcp or udp"},
                      BadVip{"10.0.0.10:80/", "'' is not tcp or udp"},
                      BadVip{"10.0.0.10:65536/tcp", "port '65536'"},
                      BadVip{"10.0.0.10:99999999999/tcp", "port '99999999999'"},
                      BadVip{"10.0.0.10:-1/tcp", "port '-1'"},
                      BadVip{"10.0.0.10:+80/tcp", "port '+80'"},
                      BadVip{"10.0.0.10:/tcp", "port ''"},
                      BadVip{"10.0.0.10/tcp", "missing port"},
                      BadVip{"2001:db8::10:443/tcp", "needs brackets"},
                      BadVip{"[2001:db8::10]/tcp", "missing port"},
                      BadVip{"[2001:db8::10:443/tcp", "missing ']'"},
                      BadVip{"[10.0.0.1]:80/tcp", "not an IPv6 address"},
                      BadVip{"10.0.0.300:80/tcp", "'10.0.0.300' is not an IP address"},
                      BadVip{"lb.example.com:80/tcp", "is not an IP address"},
                      BadVip{":80/tcp", "'' is not an IP address"}));

TEST(FormatVip, RoundTrips) {
  for (const char* text : {"10.0.0.10:80/tcp", "[2001:db8::10]:443/udp", "192.0.2.1:0/udp"}) {
    auto vip = ParseVip(text);
    ASSERT_TRUE(vip.ok()) << vip.status();
    EXPECT_EQ(FormatVip(*vip), text);
  }
}

TEST(ParseServiceBackend, FormsAndErrors) {
  auto plain = ParseServiceBackend("10.0.1.2:8080");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->ShortDebugString(), "address: \"10.0.1.2\" port: 8080");
  auto v6 = ParseServiceBackend("[2001:db8::5]:8080@50");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->ShortDebugString(), "address: \"2001:db8::5\" port: 8080 weight: 50");
  auto drain = ParseServiceBackend("10.0.1.2:65535@0");
  ASSERT_TRUE(drain.ok()) << drain.status();
  EXPECT_TRUE(drain->has_weight());

  for (auto [text, why] : std::initializer_list<std::pair<const char*, const char*>>{
           {"10.0.1.2", "missing port"},
           {"10.0.1.2:0", "port '0' is not a number in 1..65535"},
           {"10.0.1.2:65536", "port '65536'"},
           {"10.0.1.2:80@", "weight '' is not a number in 0..65535"},
           {"10.0.1.2:80@65536", "weight '65536'"},
           {"10.0.1.2:80@-1", "weight '-1'"},
           {"10.0.1.2@5", "missing port"},
           {"2001:db8::5:80", "an IPv6 address needs brackets: [ADDRESS]:PORT"},
           {"[2001:db8::5]@5", "missing port"},
           {"[10.0.1.2]:80", "'10.0.1.2' is not an IPv6 address"},
           {"host:80", "'host' is not an IP address"}}) {
    auto b = ParseServiceBackend(text);
    ASSERT_FALSE(b.ok()) << text;
    EXPECT_THAT(std::string(b.status().message()),
                HasSubstr(absl::StrCat("bad backend '", text, "': ", why)));
  }
}

TEST(FormatHostPort, BracketsIpv6) {
  EXPECT_EQ(FormatHostPort("10.0.1.2", 8080), "10.0.1.2:8080");
  EXPECT_EQ(FormatHostPort("2001:db8::5", 80), "[2001:db8::5]:80");
}

TEST(Ip, Syntax) {
  EXPECT_TRUE(IsIpv4("192.0.2.1"));
  EXPECT_FALSE(IsIpv4("192.0.2.256"));
  EXPECT_FALSE(IsIpv4("2001:db8::1"));
  EXPECT_TRUE(IsIpv6("2001:db8::1"));
  EXPECT_TRUE(IsIpv6("::ffff:192.0.2.1"));
  EXPECT_FALSE(IsIpv6("[2001:db8::1]"));
  EXPECT_TRUE(IsIp("::"));
  EXPECT_FALSE(IsIp(""));
  EXPECT_FALSE(IsIp(std::string(100, '1')));
}

TEST(Ip, AnEmbeddedNulIsNotTheEndOfTheAddress) {
  EXPECT_FALSE(IsIpv4(std::string("10.0.0.1\0junk", 13)));
  EXPECT_FALSE(IsIp(std::string("2001:db8::1\0", 12)));
  EXPECT_FALSE(CheckPrefix(std::string("10.0.0.0/8\0junk", 15)).ok());
  EXPECT_FALSE(CheckPrefix(std::string("10.0.0.0\0/8", 11)).ok());
}

TEST(Prefix, Syntax) {
  for (const char* ok : {"10.0.0.0/8", "0.0.0.0/0", "192.0.2.1/32", "192.0.2.1", "2001:db8::/32",
                         "::/0", "2001:db8::1/128", "2001:db8::1"}) {
    EXPECT_TRUE(CheckPrefix(ok).ok()) << ok;
  }
  for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/-1",
                          "10.0.0.0/8/8", "10.0.0/8", "/8", "arp", "10.0.0.0/ 8",
                          "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0 /8", "10.0.0.0/8 "}) {
    absl::Status s = CheckPrefix(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("'", bad, "'"))) << bad;
  }
}

TEST(Prefix, HostBitsAreRefusedWithThePrefixMeant) {
  EXPECT_EQ(CheckPrefix("10.0.0.1/8").message(),
            "'10.0.0.1/8' has host bits set beyond /8 (the prefix is 10.0.0.0/8)");
  EXPECT_TRUE(CheckPrefix("::ffff:10.0.0.0/104").ok()) << "syntax only: del takes it";
  EXPECT_EQ(CheckNewPrefix("::ffff:10.0.0.0/104").message(),
            "'::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 prefix: use the IPv4 form 10.0.0.0/8");
}

TEST(AddressRules, AsLbdSaysThem) {
  EXPECT_TRUE(CheckUnicastAddress("10.0.0.10").ok());
  EXPECT_EQ(CheckUnicastAddress("::ffff:10.0.0.10").message(),
            "'::ffff:10.0.0.10' is an IPv4-mapped IPv6 address: use the IPv4 form 10.0.0.10");
  EXPECT_FALSE(CheckUnicastAddress("0.0.0.0").ok());
  EXPECT_FALSE(CheckUnicastAddress("::").ok());
  EXPECT_FALSE(CheckUnicastAddress("239.1.2.3").ok());
  EXPECT_FALSE(CheckUnicastAddress("ff05::2").ok());
  EXPECT_FALSE(CheckUnicastAddress("255.255.255.255").ok());
  EXPECT_TRUE(CheckNewReal("10.1.0.1", "10.0.0.10").ok());
  EXPECT_EQ(CheckNewReal("10.0.0.10", "10.0.0.10").message(),
            "'10.0.0.10' is the VIP's own address");
  EXPECT_FALSE(CheckNewReal("224.0.0.1", "10.0.0.10").ok());
}

TEST(ParseVip, QuotesAtMostAHundredBytesOfTheValue) {
  std::string huge = std::string(5000, '1') + ":80/tcp";
  auto vip = ParseVip(huge);
  ASSERT_FALSE(vip.ok());
  EXPECT_LT(vip.status().message().size(), 400u) << vip.status().message();
  EXPECT_THAT(vip.status().message(), HasSubstr("...'"));
}

}  // namespace
}  // namespace sluice::cli
