// The API's address checks: what parses but can never work is refused with
// INVALID_ARGUMENT naming the field (a rejected request changes nothing: the
// services check before they call lb/).
#include "api/service/convert.h"

#include <string>

#include "api/service/blacklist_service.h"
#include "gtest/gtest.h"

namespace sluice::api {
namespace {

template <typename T>
std::string Why(const absl::StatusOr<T>& result) {
  if (result.ok()) return "accepted";
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(result.status().message());
}

std::string Why(const absl::Status& status) {
  if (status.ok()) return "accepted";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

v1::Vip Vip(const std::string& address) {
  v1::Vip vip;
  vip.set_address(address);
  vip.set_port(80);
  vip.set_protocol(v1::PROTOCOL_TCP);
  return vip;
}

IpAddress Ip(const std::string& text) { return *ParseIpAddress(text); }

TEST(ToVipKey, AnEmbeddedNulIsNotTheEndOfTheAddress) {
  EXPECT_EQ(Why(ToVipKey(Vip(std::string("10.0.0.1\0junk", 13)), "vip")),
            "vip.address: '10.0.0.1\\x00junk' is not an IP address");
  EXPECT_EQ(Why(ToAddress(std::string("10.0.0.1\0", 9), "address")),
            "address: '10.0.0.1\\x00' is not an IP address");
  EXPECT_EQ(Why(ToVipKey(Vip(std::string(1 << 20, 'x')), "vip")),
            "vip.address: '" + std::string(100, 'x') + "...' is not an IP address");
}

TEST(CheckNewVip, UnicastOnly) {
  auto check = [](const std::string& address) {
    return Why(CheckNewVip(*ToVipKey(Vip(address), "config.vip"), "config.vip"));
  };
  EXPECT_EQ(check("10.0.0.10"), "accepted");
  EXPECT_EQ(check("2001:db8::10"), "accepted");
  EXPECT_EQ(check("::ffff:10.0.0.10"),
            "config.vip.address: '::ffff:10.0.0.10' is an IPv4-mapped IPv6 address: "
            "use the IPv4 form 10.0.0.10");
  EXPECT_EQ(check("0.0.0.0"),
            "config.vip.address: '0.0.0.0' is the unspecified address, not a unicast host address");
  EXPECT_EQ(check("::"),
            "config.vip.address: '::' is the unspecified address, not a unicast host address");
  EXPECT_EQ(check("224.0.0.1"),
            "config.vip.address: '224.0.0.1' is a multicast address, not a unicast host address");
  EXPECT_EQ(check("ff0e::1"),
            "config.vip.address: 'ff0e::1' is a multicast address, not a unicast host address");
  EXPECT_EQ(check("255.255.255.255"),
            "config.vip.address: '255.255.255.255' is the broadcast address, "
            "not a unicast host address");
  // Naming such a VIP (to delete one an older lbd accepted) still parses.
  EXPECT_TRUE(ToVipKey(Vip("::ffff:10.0.0.10"), "vip").ok());
}

TEST(ToNewReal, UnicastAndNotTheVip) {
  IpAddress vip = Ip("10.0.0.10");
  EXPECT_TRUE(ToNewReal("10.1.0.1", vip, "backend.address").ok());
  EXPECT_EQ(Why(ToNewReal("10.0.0.10", vip, "backend.address")),
            "backend.address: '10.0.0.10' is the VIP's own address");
  EXPECT_EQ(Why(ToNewReal("0.0.0.0", vip, "backend.address")),
            "backend.address: '0.0.0.0' is the unspecified address, not a unicast host address");
  EXPECT_EQ(Why(ToNewReal("::", Ip("2001:db8::10"), "backend.address")),
            "backend.address: '::' is the unspecified address, not a unicast host address");
  EXPECT_EQ(Why(ToNewReal("239.0.0.1", vip, "backend.address")),
            "backend.address: '239.0.0.1' is a multicast address, not a unicast host address");
  EXPECT_EQ(Why(ToNewReal("255.255.255.255", vip, "backend.address")),
            "backend.address: '255.255.255.255' is the broadcast address, "
            "not a unicast host address");
  EXPECT_EQ(Why(ToNewReal("::ffff:10.1.0.1", Ip("2001:db8::10"), "backend.address")),
            "backend.address: '::ffff:10.1.0.1' is an IPv4-mapped IPv6 address: "
            "use the IPv4 form 10.1.0.1");
  EXPECT_EQ(Why(ToNewReal("", vip, "backend.address")), "backend.address: required");
}

absl::Status Parse(const v1::BlacklistEntries& entries, BlacklistEdit edit,
                   lb::BlacklistChange* out) {
  return ParseBlacklistEntries(entries, edit, 0, 0, out);
}

TEST(ParseBlacklistEntries, NamesTheEntryAndTakesNothingOfABadMessage) {
  auto with = [](const std::string& bad) {
    v1::BlacklistEntries entries;
    for (const char* ok : {"10.0.0.0/8", "2001:db8::/32", "192.0.2.1"}) entries.add_prefixes(ok);
    entries.add_prefixes(bad);
    return entries;
  };
  lb::BlacklistChange change;
  EXPECT_EQ(Why(Parse(with("10.0.0.1/8"), BlacklistEdit::kAdd, &change)),
            "prefixes[3]: '10.0.0.1/8' has host bits set beyond /8 (the prefix is 10.0.0.0/8)");
  EXPECT_EQ(Why(Parse(with("10.0.0.0/ 8"), BlacklistEdit::kAdd, &change)),
            "prefixes[3]: '10.0.0.0/ 8': prefix length must be 0..32");
  for (const char* junk : {"10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8 ", " 10.0.0.0/8"}) {
    EXPECT_NE(Why(Parse(with(junk), BlacklistEdit::kAdd, &change)), "accepted") << junk;
  }
  EXPECT_EQ(Why(Parse(with(std::string("10.0.0.0/8\0junk", 15)), BlacklistEdit::kAdd, &change)),
            "prefixes[3]: '10.0.0.0/8\\x00junk': prefix length must be 0..32");
  EXPECT_EQ(Why(Parse(with("::ffff:10.0.0.0/104"), BlacklistEdit::kAdd, &change)),
            "prefixes[3]: '::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 prefix: "
            "use the IPv4 form 10.0.0.0/8");
  // Deleting takes what an older lbd may hold; host bits stay an error.
  lb::BlacklistChange del;
  EXPECT_TRUE(Parse(with("::ffff:10.0.0.0/104"), BlacklistEdit::kDelete, &del).ok());
  EXPECT_EQ(del.prefixes.size(), 4u);
  EXPECT_NE(Why(Parse(with("10.0.0.1/8"), BlacklistEdit::kDelete, &del)), "accepted");

  v1::BlacklistEntries arp;
  arp.add_arp_ips("192.0.2.1");
  arp.add_arp_ips(std::string("192.0.2.2\0", 10));
  EXPECT_EQ(Why(ParseBlacklistEntries(arp, BlacklistEdit::kAdd, 0, 5, &change)),
            "arp_ips[6]: '192.0.2.2\\x00' is not an IP address");
}

}  // namespace
}  // namespace sluice::api
