#include "cli/address.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/address_rules.h"
#include "base/ip_address.h"
#include "base/quote_value.h"

namespace sluice::cli {
namespace {


constexpr uint32_t kMaxPort = 65535;
constexpr uint32_t kMaxWeight = 65535;

// How one kind of argument writes an address and port, for messages.
struct HostPortSyntax {
  absl::string_view want;      // the whole argument's form, with examples
  absl::string_view v6_form;   // how an IPv6 address is written in it
  uint32_t min_port;
};

// "IPV4:PORT" or "[IPV6]:PORT". The error says why, not which argument.
absl::Status ParseHostPort(absl::string_view hostport, const HostPortSyntax& syntax,
                           std::string* address, uint32_t* port) {
  auto bad = [](auto&&... why) { return absl::InvalidArgumentError(absl::StrCat(why...)); };
  absl::string_view ip, port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == absl::string_view::npos) return bad("missing ']'");
    ip = hostport.substr(1, close - 1);
    absl::string_view rest = hostport.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad("missing port (", syntax.want, ")");
    port_text = rest.substr(1);
    if (!IsIpv6(ip)) return bad(QuoteValue(ip), " is not an IPv6 address");
  } else {
    size_t colon = hostport.rfind(':');
    if (colon == absl::string_view::npos) return bad("missing port (", syntax.want, ")");
    ip = hostport.substr(0, colon);
    port_text = hostport.substr(colon + 1);
    if (ip.find(':') != absl::string_view::npos) {
      return bad("an IPv6 address needs brackets: ", syntax.v6_form);
    }
    if (!IsIpv4(ip)) return bad(QuoteValue(ip), " is not an IP address");
  }
  if (!ParseDecimal(port_text, port) || *port < syntax.min_port || *port > kMaxPort) {
    return bad("port ", QuoteValue(port_text), " is not a number in ", syntax.min_port, "..",
               kMaxPort);
  }
  *address = std::string(ip);
  return absl::OkStatus();
}

}  // namespace

bool ParseDecimal(absl::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out);
}

bool IsIpv4(absl::string_view text) {
  auto a = ParseIpAddress(text);
  return a.ok() && a->is_v4();
}

bool IsIpv6(absl::string_view text) {
  auto a = ParseIpAddress(text);
  return a.ok() && !a->is_v4();
}

absl::Status CheckPrefix(absl::string_view text) { return ParseIpPrefix(text).status(); }

absl::Status CheckNewPrefix(absl::string_view text) {
  auto prefix = ParseIpPrefix(text);
  if (!prefix.ok()) return prefix.status();
  return CheckNotV4Mapped(*prefix);
}

absl::Status CheckUnicastAddress(absl::string_view address) {
  auto a = ParseIpAddress(address);
  if (!a.ok()) return a.status();
  return CheckUnicast(*a);
}

absl::Status CheckNewReal(absl::string_view real, absl::string_view vip) {
  auto r = ParseIpAddress(real);
  if (!r.ok()) return r.status();
  auto v = ParseIpAddress(vip);
  if (!v.ok()) return v.status();
  return CheckReal(*r, *v);
}

absl::StatusOr<sluice::v1::Vip> ParseVip(absl::string_view text) {
  static constexpr HostPortSyntax kSyntax = {
      "want ADDRESS:PORT/tcp|udp, e.g. 10.0.0.10:80/tcp or [2001:db8::10]:443/udp",
      "[ADDRESS]:PORT/PROTO", 0};
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("bad VIP ", QuoteValue(text), ": ", why));
  };
  sluice::v1::Vip vip;
  size_t slash = text.rfind('/');
  if (slash == absl::string_view::npos) {
    return bad(absl::StrCat("missing protocol (", kSyntax.want, ")"));
  }
  absl::string_view proto = text.substr(slash + 1);
  if (absl::EqualsIgnoreCase(proto, "tcp")) {
    vip.set_protocol(sluice::v1::PROTOCOL_TCP);
  } else if (absl::EqualsIgnoreCase(proto, "udp")) {
    vip.set_protocol(sluice::v1::PROTOCOL_UDP);
  } else {
    return bad(absl::StrCat("protocol ", QuoteValue(proto), " is not tcp or udp"));
  }
  uint32_t port;
  if (absl::Status s = ParseHostPort(text.substr(0, slash), kSyntax, vip.mutable_address(), &port);
      !s.ok()) {
    return bad(s.message());
  }
  vip.set_port(port);
  return vip;
}

absl::StatusOr<sluice::v1::ServiceBackend> ParseServiceBackend(absl::string_view text) {
  static constexpr HostPortSyntax kSyntax = {
      "want IP:PORT[@WEIGHT], e.g. 10.0.1.2:8080 or [2001:db8::5]:8080@50", "[ADDRESS]:PORT", 1};
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("bad backend ", QuoteValue(text), ": ", why));
  };
  sluice::v1::ServiceBackend backend;
  absl::string_view hostport = text;
  size_t at = text.rfind('@');
  if (at != absl::string_view::npos) {
    absl::string_view weight_text = text.substr(at + 1);
    uint32_t weight;
    if (!ParseDecimal(weight_text, &weight) || weight > kMaxWeight) {
      return bad(absl::StrCat("weight ", QuoteValue(weight_text), " is not a number in 0..65535"));
    }
    backend.set_weight(weight);
    hostport = text.substr(0, at);
  }
  uint32_t port;
  if (absl::Status s = ParseHostPort(hostport, kSyntax, backend.mutable_address(), &port);
      !s.ok()) {
    return bad(s.message());
  }
  backend.set_port(port);
  return backend;
}

std::string FormatHostPort(absl::string_view address, uint32_t port) {
  bool v6 = address.find(':') != absl::string_view::npos;
  return absl::StrCat(v6 ? "[" : "", address, v6 ? "]" : "", ":", port);
}

std::string FormatVip(const sluice::v1::Vip& vip) {
  absl::string_view proto;
  switch (vip.protocol()) {
    case sluice::v1::PROTOCOL_TCP: proto = "tcp"; break;
    case sluice::v1::PROTOCOL_UDP: proto = "udp"; break;
    default: proto = "?"; break;
  }
  return absl::StrCat(FormatHostPort(vip.address(), vip.port()), "/", proto);
}

}  // namespace sluice::cli
