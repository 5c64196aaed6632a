#include "base/address_rules.h"

#include "absl/strings/str_cat.h"
#include "base/quote_value.h"

namespace sluice {
namespace {

bool IsUnspecified(const IpAddress& a) {
  for (uint8_t b : a.bytes) {
    if (b != 0) return false;
  }
  return true;
}

bool IsMulticast(const IpAddress& a) {
  return a.is_v4() ? (a.bytes[0] & 0xf0) == 224 : a.bytes[0] == 0xff;
}

bool IsBroadcast(const IpAddress& a) {
  return a.is_v4() && a.bytes[0] == 255 && a.bytes[1] == 255 && a.bytes[2] == 255 &&
         a.bytes[3] == 255;
}

absl::Status NotUnicast(const IpAddress& a, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(QuoteValue(a.ToString()), " is ", what,
                                                 ", not a unicast host address"));
}

}  // namespace

absl::Status CheckNotV4Mapped(const IpAddress& address) {
  if (!address.IsV4Mapped()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(QuoteValue(address.ToString()), " is an IPv4-mapped IPv6 address: use the IPv4 form ",
                   address.MappedV4().ToString()));
}

absl::Status CheckNotV4Mapped(const IpPrefix& prefix) {
  // With host bits zero, a mapped address has a length of 96 or more.
  if (!prefix.address.IsV4Mapped()) return absl::OkStatus();
  IpPrefix v4{prefix.address.MappedV4(), prefix.length - 96};
  return absl::InvalidArgumentError(absl::StrCat(QuoteValue(prefix.ToString()),
                                                 " is an IPv4-mapped IPv6 prefix: use the IPv4 form ",
                                                 v4.ToString()));
}

absl::Status CheckUnicast(const IpAddress& address) {
  if (absl::Status s = CheckNotV4Mapped(address); !s.ok()) return s;
  if (IsUnspecified(address)) return NotUnicast(address, "the unspecified address");
  if (IsMulticast(address)) return NotUnicast(address, "a multicast address");
  if (IsBroadcast(address)) return NotUnicast(address, "the broadcast address");
  return absl::OkStatus();
}

absl::Status CheckReal(const IpAddress& real, const IpAddress& vip) {
  if (absl::Status s = CheckUnicast(real); !s.ok()) return s;
  if (real == vip) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuoteValue(real.ToString()), " is the VIP's own address"));
  }
  return absl::OkStatus();
}

}  // namespace sluice
