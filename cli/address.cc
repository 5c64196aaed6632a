#include "cli/address.h"

#include <arpa/inet.h>

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice::cli {
namespace {

// inet_pton needs a NUL-terminated string; addresses are short.
bool Pton(int family, absl::string_view text) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof(buf)) return false;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  unsigned char out[16];
  return inet_pton(family, buf, out) == 1;
}

// Decimal digits only (SimpleAtoi would also take "+5" and " 5").
bool ParseDecimal(absl::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out);
}

absl::Status BadVip(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("bad VIP '", text, "': ", why));
}

}  // namespace

bool IsIpv4(absl::string_view text) { return Pton(AF_INET, text); }
bool IsIpv6(absl::string_view text) { return Pton(AF_INET6, text); }

bool IsPrefix(absl::string_view text) {
  size_t slash = text.find('/');
  if (slash == absl::string_view::npos) return IsIp(text);
  absl::string_view ip = text.substr(0, slash);
  uint32_t len;
  if (!ParseDecimal(text.substr(slash + 1), &len)) return false;
  if (IsIpv4(ip)) return len <= 32;
  if (IsIpv6(ip)) return len <= 128;
  return false;
}

absl::StatusOr<sluice::v1::Vip> ParseVip(absl::string_view text) {
  constexpr absl::string_view kWant = "want ADDRESS:PORT/tcp|udp, e.g. 10.0.0.10:80/tcp or [2001:db8::10]:443/udp";
  sluice::v1::Vip vip;
  size_t slash = text.rfind('/');
  if (slash == absl::string_view::npos) {
    return BadVip(text, absl::StrCat("missing protocol (", kWant, ")"));
  }
  absl::string_view proto = text.substr(slash + 1);
  if (absl::EqualsIgnoreCase(proto, "tcp")) {
    vip.set_protocol(sluice::v1::PROTOCOL_TCP);
  } else if (absl::EqualsIgnoreCase(proto, "udp")) {
    vip.set_protocol(sluice::v1::PROTOCOL_UDP);
  } else {
    return BadVip(text, absl::StrCat("protocol '", proto, "' is not tcp or udp"));
  }

  absl::string_view hostport = text.substr(0, slash);
  absl::string_view ip, port;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == absl::string_view::npos) return BadVip(text, "missing ']'");
    ip = hostport.substr(1, close - 1);
    absl::string_view rest = hostport.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return BadVip(text, absl::StrCat("missing port (", kWant, ")"));
    }
    port = rest.substr(1);
    if (!IsIpv6(ip)) {
      return BadVip(text, absl::StrCat("'", ip, "' is not an IPv6 address"));
    }
  } else {
    size_t colon = hostport.rfind(':');
    if (colon == absl::string_view::npos) {
      return BadVip(text, absl::StrCat("missing port (", kWant, ")"));
    }
    ip = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    if (ip.find(':') != absl::string_view::npos) {
      return BadVip(text, "an IPv6 address needs brackets: [ADDRESS]:PORT/PROTO");
    }
    if (!IsIpv4(ip)) {
      return BadVip(text, absl::StrCat("'", ip, "' is not an IP address"));
    }
  }
  uint32_t port_num;
  if (!ParseDecimal(port, &port_num) || port_num > 65535) {
    return BadVip(text, absl::StrCat("port '", port, "' is not a number in 0..65535"));
  }
  vip.set_address(std::string(ip));
  vip.set_port(port_num);
  return vip;
}

std::string FormatVip(const sluice::v1::Vip& vip) {
  absl::string_view proto;
  switch (vip.protocol()) {
    case sluice::v1::PROTOCOL_TCP: proto = "tcp"; break;
    case sluice::v1::PROTOCOL_UDP: proto = "udp"; break;
    default: proto = "?"; break;
  }
  bool v6 = vip.address().find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", vip.address(), v6 ? "]" : "", ":",
                      vip.port(), "/", proto);
}

}  // namespace sluice::cli
