// IPv4/IPv6 addresses and prefixes as the control plane handles them, and
// their translation to the datapath's key layout (network order words).
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace sluice {

struct IpAddress {
  int family = AF_INET;              // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};   // IPv4 in bytes[0..3], rest zero

  bool is_v4() const { return family == AF_INET; }
  int bits() const { return is_v4() ? 32 : 128; }
  // ::ffff:a.b.c.d (RFC 4291 2.5.5.2): an IPv4 address written as IPv6.
  bool IsV4Mapped() const;
  IpAddress MappedV4() const;   // a.b.c.d of an IsV4Mapped() address
  std::string ToString() const;
  // Words as the datapath stores them (struct sluice_*: __be32 addr[4]).
  void ToWords(uint32_t out[4]) const;
  static IpAddress FromWords(int family, const uint32_t words[4]);

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family == b.family && a.bytes == b.bytes;
  }
  friend bool operator!=(const IpAddress& a, const IpAddress& b) { return !(a == b); }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    return a.family != b.family ? a.family < b.family : a.bytes < b.bytes;
  }
};

// "10.0.0.1" or "2001:db8::1": the whole text, so an embedded NUL (a proto
// string may hold one) or anything else inet_pton would not read is an error.
absl::StatusOr<IpAddress> ParseIpAddress(absl::string_view text);

struct IpPrefix {
  IpAddress address;   // host bits zero
  int length = 0;

  std::string ToString() const;
  friend bool operator==(const IpPrefix& a, const IpPrefix& b) {
    return a.length == b.length && a.address == b.address;
  }
  friend bool operator<(const IpPrefix& a, const IpPrefix& b) {
    return a.address != b.address ? a.address < b.address : a.length < b.length;
  }
};

// "10.0.0.0/8", "2001:db8::/32", or a bare address (= full length). The
// length is plain decimal: no sign, blank or leading zero ("/08"). Host bits
// beyond the length must be zero: "10.1.2.3/8" is an error that names
// 10.0.0.0/8, as the sender may have meant either.
absl::StatusOr<IpPrefix> ParseIpPrefix(absl::string_view text);

}  // namespace sluice
