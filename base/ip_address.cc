#include "base/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/quote_value.h"

namespace sluice {

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

bool IpAddress::IsV4Mapped() const {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return !is_v4() && std::memcmp(bytes.data(), kPrefix, sizeof(kPrefix)) == 0;
}

IpAddress IpAddress::MappedV4() const {
  IpAddress v4;
  std::copy(bytes.begin() + 12, bytes.end(), v4.bytes.begin());
  return v4;
}

absl::StatusOr<IpAddress> ParseIpAddress(absl::string_view text) {
  // inet_pton reads up to a NUL: copy the text into a terminated buffer,
  // refusing texts that hold a NUL or cannot be an address.
  char buf[64];
  IpAddress a;
  bool ok = !text.empty() && text.size() < sizeof(buf) &&
            text.find('\0') == absl::string_view::npos;
  if (ok) {
    text.copy(buf, text.size());
    buf[text.size()] = '\0';
    if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
      a.family = AF_INET;
      return a;
    }
    if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
      a.family = AF_INET6;
      return a;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(QuoteValue(text), " is not an IP address"));
}

std::string IpPrefix::ToString() const {
  return absl::StrCat(address.ToString(), "/", length);
}

namespace {

// "0".."128" written plainly (SimpleAtoi would also take " 8", "+8", "08").
bool ParseLength(absl::string_view text, int* length) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return false;
  *length = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    *length = *length * 10 + (c - '0');
  }
  return true;
}

}  // namespace

absl::StatusOr<IpPrefix> ParseIpPrefix(absl::string_view text) {
  size_t slash = text.find('/');
  auto address = ParseIpAddress(text.substr(0, slash));
  if (!address.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(QuoteValue(text), " is not a CIDR prefix"));
  }
  IpPrefix p{*address, address->bits()};
  if (slash != absl::string_view::npos) {
    if (!ParseLength(text.substr(slash + 1), &p.length) || p.length > address->bits()) {
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteValue(text), ": prefix length must be 0..", address->bits()));
    }
  }
  for (int bit = p.length; bit < 128; ++bit) {
    p.address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  if (p.address != *address) {
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(text), " has host bits set beyond /", p.length, " (the prefix is ",
        p.ToString(), ")"));
  }
  return p;
}

}  // namespace sluice
