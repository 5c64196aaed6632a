// Address syntax used on the lbctl command line: VIPs ("10.0.0.10:80/tcp",
// "[2001:db8::10]:443/udp"), plain IPs and CIDR prefixes. Syntax only: lbd
// validates everything again and has the last word.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sluice/v1/common.pb.h"

namespace sluice::cli {

// "IPV4:PORT/PROTO" or "[IPV6]:PORT/PROTO"; PROTO is tcp or udp, PORT 0..65535
// (0 = every port). INVALID_ARGUMENT naming `text` otherwise.
absl::StatusOr<sluice::v1::Vip> ParseVip(absl::string_view text);

// The inverse of ParseVip: "10.0.0.10:80/tcp", "[2001:db8::10]:443/udp".
std::string FormatVip(const sluice::v1::Vip& vip);

bool IsIpv4(absl::string_view text);
bool IsIpv6(absl::string_view text);
inline bool IsIp(absl::string_view text) { return IsIpv4(text) || IsIpv6(text); }

// "10.0.0.0/8", "2001:db8::/32", or a bare address (= /32 or /128). Host bits
// below the prefix length are not checked here.
bool IsPrefix(absl::string_view text);

}  // namespace sluice::cli
