#include "base/packet/addresses.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sluice::testing {
namespace {

[[noreturn]] void DieBadLiteral(absl::string_view what,
                                absl::string_view text) {
  std::fprintf(stderr, "sluice::testing: bad %.*s literal \"%.*s\"\n",
               static_cast<int>(what.size()), what.data(),
               static_cast<int>(text.size()), text.data());
  std::abort();
}

}  // namespace

MacAddr::MacAddr(absl::string_view text) {
  unsigned int b[6];
  char tail;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
                  &b[3], &b[4], &b[5], &tail) != 6) {
    DieBadLiteral("MAC", text);
  }
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(b[i]);
}

std::string MacAddr::ToString() const {
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1],
                         bytes[2], bytes[3], bytes[4], bytes[5]);
}

bool operator==(const MacAddr& a, const MacAddr& b) {
  return a.bytes == b.bytes;
}
bool operator!=(const MacAddr& a, const MacAddr& b) { return !(a == b); }

std::ostream& operator<<(std::ostream& os, const MacAddr& mac) {
  return os << mac.ToString();
}

absl::StatusOr<IpAddress> IpAddress::Parse(absl::string_view text) {
  std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
  } else if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("not an IPv4 or IPv6 address: \"", text, "\""));
  }
  return ip;
}

IpAddress::IpAddress(absl::string_view text) {
  absl::StatusOr<IpAddress> ip = Parse(text);
  if (!ip.ok()) DieBadLiteral("IP", text);
  *this = *ip;
}

IpAddress::IpAddress(const in_addr& a) : family(AF_INET) {
  std::memcpy(bytes.data(), &a, sizeof(a));
}

IpAddress::IpAddress(const in6_addr& a) : family(AF_INET6) {
  std::memcpy(bytes.data(), &a, sizeof(a));
}

std::string IpAddress::ToString() const {
  if (family == 0) return "<unset>";
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family, bytes.data(), buf, sizeof(buf));
  return buf;
}

bool operator==(const IpAddress& a, const IpAddress& b) {
  return a.family == b.family && a.bytes == b.bytes;
}

std::ostream& operator<<(std::ostream& os, const IpAddress& ip) {
  return os << ip.ToString();
}

}  // namespace sluice::testing
