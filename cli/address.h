// Address syntax used on the lbctl command line: VIPs ("10.0.0.10:80/tcp",
// "[2001:db8::10]:443/udp"), service backends ("10.0.1.2:8080@50"), plain
// IPs and CIDR prefixes. Addresses and prefixes are read by lbd's own parser
// and rules (base/ip_address.h, base/address_rules.h); lbd checks again and has
// the last word.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sluice/v1/common.pb.h"
#include "sluice/v1/node.pb.h"

namespace sluice::cli {

// "IPV4:PORT/PROTO" or "[IPV6]:PORT/PROTO"; PROTO is tcp or udp, PORT 0..65535
// (0 = every port). INVALID_ARGUMENT naming `text` otherwise.
absl::StatusOr<sluice::v1::Vip> ParseVip(absl::string_view text);

// The inverse of ParseVip: "10.0.0.10:80/tcp", "[2001:db8::10]:443/udp".
std::string FormatVip(const sluice::v1::Vip& vip);

// "IPV4:PORT[@WEIGHT]" or "[IPV6]:PORT[@WEIGHT]"; PORT 1..65535, WEIGHT
// 0..65535 (absent: left unset, so the server's default applies).
absl::StatusOr<sluice::v1::ServiceBackend> ParseServiceBackend(absl::string_view text);

// "10.0.1.2:8080", "[2001:db8::5]:8080".
std::string FormatHostPort(absl::string_view address, uint32_t port);

// Decimal digits only, fitting in uint32_t (SimpleAtoi would also take
// "+5" and " 5").
bool ParseDecimal(absl::string_view text, uint32_t* out);

// The whole text is one address (an embedded NUL, e.g. from a file, is an
// error, not the end of it).
bool IsIpv4(absl::string_view text);
bool IsIpv6(absl::string_view text);
inline bool IsIp(absl::string_view text) { return IsIpv4(text) || IsIpv6(text); }

// "10.0.0.0/8", "2001:db8::/32", or a bare address (= /32 or /128), as lbd
// reads it (ParseIpPrefix): plain decimal length, no host bits set.
// INVALID_ARGUMENT saying why otherwise.
absl::Status CheckPrefix(absl::string_view text);

// lbd's rules for what creates state (base/address_rules.h), so lbctl refuses
// it before sending: a prefix to blacklist or to put in a policy (also not
// IPv4-mapped), a new VIP's or endpoint's address (unicast), a real or
// service backend of the VIP at `vip` (unicast, not the VIP's address).
absl::Status CheckNewPrefix(absl::string_view text);
absl::Status CheckUnicastAddress(absl::string_view address);
absl::Status CheckNewReal(absl::string_view real, absl::string_view vip);

}  // namespace sluice::cli
