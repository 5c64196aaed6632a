// MAC and IP address values for test packets.
//
// Both convert implicitly from text ("02:00:00:00:00:01", "10.0.0.1",
// "2001:db8::1") so tests can write literals. Malformed text is a bug in the
// test, not a runtime condition, so those conversions abort with a message;
// use IpAddress::Parse for text that may legitimately be bad.
#ifndef SLUICE_DATAPATH_TESTING_PACKET_ADDRESSES_H_
#define SLUICE_DATAPATH_TESTING_PACKET_ADDRESSES_H_

#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/ip_address.h"

namespace sluice::testing {

struct MacAddr {
  constexpr MacAddr() = default;
  constexpr MacAddr(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e,
                    uint8_t f)
      : bytes{a, b, c, d, e, f} {}
  MacAddr(absl::string_view text);                                 // NOLINT
  MacAddr(const char* text) : MacAddr(absl::string_view(text)) {}  // NOLINT

  std::string ToString() const;

  std::array<uint8_t, 6> bytes{};
};

bool operator==(const MacAddr& a, const MacAddr& b);
bool operator!=(const MacAddr& a, const MacAddr& b);
std::ostream& operator<<(std::ostream& os, const MacAddr& mac);

struct IpAddress {
  IpAddress() = default;
  IpAddress(absl::string_view text);                                   // NOLINT
  IpAddress(const char* text) : IpAddress(absl::string_view(text)) {}  // NOLINT
  IpAddress(const in_addr& a);                                         // NOLINT
  IpAddress(const in6_addr& a);                                        // NOLINT

  static absl::StatusOr<IpAddress> Parse(absl::string_view text);

  bool is_v4() const { return family == AF_INET; }
  // 4 or 16: the number of meaningful bytes.
  size_t size() const { return is_v4() ? 4 : 16; }
  std::string ToString() const;

  // The same address as the control plane holds it, so that tests fill the
  // datapath's maps through the encoders lbd uses (datapath/*/..._maps.h).
  operator ::sluice::IpAddress() const {  // NOLINT
    return {family, bytes};
  }

  int family = 0;  // AF_INET or AF_INET6; 0 when default-constructed
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4
};

bool operator==(const IpAddress& a, const IpAddress& b);
std::ostream& operator<<(std::ostream& os, const IpAddress& ip);

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_TESTING_PACKET_ADDRESSES_H_
