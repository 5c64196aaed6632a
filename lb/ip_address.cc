#include "lb/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice::lb {

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), buf, sizeof(buf));
  return buf;
}

void IpAddress::ToWords(uint32_t out[4]) const {
  std::memcpy(out, bytes.data(), 16);
}

IpAddress IpAddress::FromWords(int family, const uint32_t words[4]) {
  IpAddress a;
  a.family = family;
  std::memcpy(a.bytes.data(), words, 16);
  if (family == AF_INET) std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
  return a;
}

absl::StatusOr<IpAddress> ParseIpAddress(absl::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not an IP address"));
}

std::string IpPrefix::ToString() const {
  return absl::StrCat(address.ToString(), "/", length);
}

absl::StatusOr<IpPrefix> ParseIpPrefix(absl::string_view text) {
  size_t slash = text.find('/');
  auto address = ParseIpAddress(text.substr(0, slash));
  if (!address.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a CIDR prefix"));
  }
  IpPrefix p{*address, address->bits()};
  if (slash != absl::string_view::npos) {
    int length;
    if (!absl::SimpleAtoi(text.substr(slash + 1), &length) || length < 0 ||
        length > address->bits()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", text, "': prefix length must be 0..", address->bits()));
    }
    p.length = length;
  }
  for (int bit = p.length; bit < 128; ++bit) {
    p.address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return p;
}

}  // namespace sluice::lb
