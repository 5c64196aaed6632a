#include "datapath/fuzz/frame_checks.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/packet/checksum.h"

namespace sluice::testing {
namespace {

constexpr size_t kEthHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr size_t kIpv4Header = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kIcmpHeader = 8;
constexpr size_t kQuotedL4 = 8;
constexpr uint8_t kEncapTtl = 64;

uint16_t U16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

bool Same(const Bytes& a, size_t a_at, const Bytes& b, size_t b_at,
          size_t n) {
  return a_at + n <= a.size() && b_at + n <= b.size() &&
         std::equal(a.begin() + a_at, a.begin() + a_at + n, b.begin() + b_at);
}

// Offset of the IP header: after Ethernet and the VLAN tags.
size_t L3Offset(const ParsedPacket& p) {
  return kEthHeader + kVlanTag * (p.eth ? p.eth->vlan_ids.size() : 0);
}

// Whether the first `bits` of a and b are equal.
bool InPrefix(const uint8_t* a, const uint8_t* b, int bits) {
  for (int i = 0; i < bits; ++i) {
    const uint8_t m = static_cast<uint8_t>(0x80 >> (i % 8));
    if ((a[i / 8] & m) != (b[i / 8] & m)) return false;
  }
  return true;
}

// Marks [from, from + n) as bytes a rewrite may change.
void Allow(std::vector<bool>& mask, size_t from, size_t n) {
  for (size_t i = from; i < from + n && i < mask.size(); ++i) mask[i] = true;
}

// The IP addresses and the IPv4 header checksum of `ip` (at `base`).
void AllowAddresses(std::vector<bool>& mask, const IpInfo& ip, size_t base) {
  if (ip.version == 4) {
    Allow(mask, base + ip.offset + 10, 10);  // checksum, source, destination
  } else {
    Allow(mask, base + ip.offset + 8, 32);
  }
}

// An IPv6 routing header with segments left but no address to route to
// (shorter than 24 bytes): RFC 8200 4.4 has the receiver discard it, and
// whether the transport checksum's pseudo-header then uses the header's
// destination (the parser) or not (the datapath) is moot.
bool UnroutableRoutingHeader(const Bytes& b, const ParsedPacket& p) {
  for (const IpInfo& ip : p.ip) {
    for (const Ipv6ExtInfo& e : ip.ext_headers) {
      if (e.type == IPPROTO_ROUTING && e.length < 24 && b[e.offset + 3] != 0) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool WellFormed(const ParsedPacket& p) { return p.ok() && p.checksums_ok(); }

std::string Hex(const Bytes& b) {
  std::string out;
  for (uint8_t x : b) absl::StrAppendFormat(&out, "%02x", x);
  return out;
}

bool TestRunRefuses(const Bytes& frame, bool tc) {
  if (frame.size() < kEthHeader) return true;
  if (!tc) return false;
  const uint16_t ethertype = U16(frame, 12);
  return (ethertype == 0x0800 && frame.size() < kEthHeader + kIpv4Header) ||
         (ethertype == 0x86dd && frame.size() < kEthHeader + kIpv6Header);
}

std::string CheckUnchanged(const Bytes& in, const Bytes& out) {
  if (in == out) return "";
  return "the frame was changed";
}

std::string CheckEncapsulated(const Bytes& in, const Bytes& out,
                              const EncapRules& rules) {
  const ParsedPacket in_p = ParsePacket(in);
  if (in_p.ip.empty()) return "forwarded a frame without an IP header";
  const IpInfo& inner = in_p.ip[0];
  if (in_p.l4.protocol == L4Protocol::kNone) {
    return "forwarded a packet without a whole L4 header";
  }
  const bool icmp = in_p.l4.protocol == L4Protocol::kIcmp ||
                    in_p.l4.protocol == L4Protocol::kIcmpv6;
  if (!icmp && (inner.is_fragment || !inner.options.empty() ||
                !inner.ext_headers.empty())) {
    return "forwarded a fragment or a packet with IP options";
  }
  const size_t l3 = L3Offset(in_p);
  const size_t encap = out.size() - in.size();
  if (out.size() < in.size() || (encap != kIpv4Header && encap != kIpv6Header)) {
    return absl::StrCat("output grew by ", out.size() - in.size(),
                        " bytes, not by an outer IP header");
  }
  if (!Same(out, l3 + encap, in, l3, in.size() - l3)) {
    return "the inner packet changed";
  }
  if (!Same(out, 6, in, 0, 6)) return "Ethernet source is not our address";
  if (!Same(out, 12, in, 12, l3 - 2 - 12)) return "VLAN tags changed";
  const bool v6 = encap == kIpv6Header;
  if (U16(out, l3 - 2) != (v6 ? 0x86dd : 0x0800)) {
    return "EtherType is not the outer header's";
  }
  const size_t o = l3;
  const uint8_t inner_proto = inner.version == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
  const uint8_t* dst;
  if (!v6) {
    if (out[o] != 0x45) return "outer IPv4 version/IHL not 0x45";
    if (InternetChecksum(absl::MakeConstSpan(out).subspan(o, kIpv4Header))) {
      return "outer IPv4 header checksum wrong";
    }
    if (U16(out, o + 2) != inner.total_length + kIpv4Header) {
      return "outer IPv4 total length is not inner length + 20";
    }
    if (U16(out, o + 6) != 0) return "outer IPv4 header is a fragment";
    if (out[o + 8] != kEncapTtl || out[o + 9] != inner_proto) {
      return "outer IPv4 TTL or protocol wrong";
    }
    if (!InPrefix(&out[o + 12], rules.src_v4.bytes.data(), 24)) {
      return "outer source not in the encapsulation prefix";
    }
    dst = &out[o + 16];
  } else {
    if (out[o] >> 4 != 6) return "outer IPv6 version not 6";
    if (U16(out, o + 4) != inner.total_length) {
      return "outer IPv6 payload length is not the inner length";
    }
    if (out[o + 6] != inner_proto || out[o + 7] != kEncapTtl) {
      return "outer IPv6 next header or hop limit wrong";
    }
    if (!InPrefix(&out[o + 8], rules.src_v6.bytes.data(), 112)) {
      return "outer source not in the encapsulation prefix";
    }
    dst = &out[o + 24];
  }
  const auto backend = std::find_if(
      rules.backends.begin(), rules.backends.end(),
      [&](const EncapRules::Backend& b) {
        return b.addr.is_v4() != v6 &&
               std::equal(b.addr.bytes.begin(),
                          b.addr.bytes.begin() + b.addr.size(), dst);
      });
  if (backend == rules.backends.end()) return "outer destination no backend";
  if (!std::equal(backend->next_hop.bytes.begin(),
                  backend->next_hop.bytes.end(), out.begin())) {
    return "Ethernet destination is not the backend's next hop";
  }
  if (WellFormed(in_p) && !WellFormed(ParsePacket(out))) {
    return "a well-formed input left malformed";
  }
  return "";
}

std::string CheckNatRewrite(const Bytes& in, const Bytes& out) {
  if (in.size() != out.size()) return "NAT changed the frame's length";
  const ParsedPacket in_p = ParsePacket(in);
  std::vector<bool> may_change(in.size());
  if (!in_p.ip.empty()) AllowAddresses(may_change, in_p.ip[0], 0);
  const L4Info& l4 = in_p.l4;
  switch (l4.protocol) {
    case L4Protocol::kTcp:
      Allow(may_change, l4.offset, 4);
      Allow(may_change, l4.offset + 16, 2);
      break;
    case L4Protocol::kUdp:
      Allow(may_change, l4.offset, 4);
      Allow(may_change, l4.offset + 6, 2);
      break;
    case L4Protocol::kIcmp:
    case L4Protocol::kIcmpv6:
      Allow(may_change, l4.offset + 2, 2);
      break;
    case L4Protocol::kNone:
      break;
  }
  if (l4.inner && !l4.inner->ip.empty()) {
    // The quoted IP header, and the 8 bytes after it (RFC 792) that hold
    // the ports unless the quote is of a later fragment. Its length field
    // is the original packet's, not the quote's: it does not matter here.
    const size_t base = l4.offset + kIcmpHeader;
    const IpInfo& quoted = l4.inner->ip[0];
    AllowAddresses(may_change, quoted, base);
    if (quoted.frag_offset == 0) {
      Allow(may_change, base + quoted.offset + quoted.header_length, 4);
    }
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != out[i] && !may_change[i]) {
      return absl::StrCat("byte ", i,
                          " changed: not an address, port or checksum");
    }
  }
  if (WellFormed(in_p) && !UnroutableRoutingHeader(in, in_p)) {
    const ParsedPacket out_p = ParsePacket(out);
    if (!WellFormed(out_p)) {
      return absl::StrCat("a well-formed input left malformed: ",
                          out_p.problem, "\n", out_p.DebugString());
    }
  }
  return "";
}

std::string CheckReject(const Bytes& in, const Bytes& out) {
  const ParsedPacket in_p = ParsePacket(in);
  if (in_p.ip.empty()) return "rejected a frame without an IP header";
  const ParsedPacket out_p = ParsePacket(out);
  if (!WellFormed(out_p)) {
    return absl::StrCat("the reject is malformed: ", out_p.problem);
  }
  const size_t l3 = L3Offset(in_p);
  const bool v4 = in_p.ip[0].version == 4;
  const size_t quote = (v4 ? kIpv4Header : kIpv6Header) + kQuotedL4;
  const size_t ip_header = v4 ? kIpv4Header : kIpv6Header;
  if (out.size() != l3 + ip_header + kIcmpHeader + quote) {
    return "the reject's length is wrong";
  }
  if (!Same(out, 0, in, 6, 6) || !Same(out, 6, in, 0, 6)) {
    return "the reject does not go back to the sender's MAC";
  }
  if (out_p.ip.size() != 1 || out_p.ip[0].src != in_p.ip[0].dst ||
      out_p.ip[0].dst != in_p.ip[0].src) {
    return "the reject's addresses are not the input's reversed";
  }
  const bool port_unreachable =
      v4 ? out_p.l4.protocol == L4Protocol::kIcmp && out_p.l4.type == 3 &&
               out_p.l4.code == 3
         : out_p.l4.protocol == L4Protocol::kIcmpv6 && out_p.l4.type == 1 &&
               out_p.l4.code == 4;
  if (!port_unreachable) return "the reject is no port unreachable";
  if (!Same(out, l3 + ip_header + kIcmpHeader, in, l3, quote)) {
    return "the reject does not quote the input";
  }
  return "";
}

std::string CheckDecapsulated(const Bytes& in, const Bytes& out,
                              const std::vector<IpAddress>& local) {
  const ParsedPacket in_p = ParsePacket(in);
  if (in_p.ip.empty()) return "decapsulated a frame without an IP header";
  const IpInfo& outer = in_p.ip[0];
  if (outer.protocol != IPPROTO_IPIP && outer.protocol != IPPROTO_IPV6) {
    return "decapsulated a packet that is no tunnel";
  }
  if (outer.is_fragment) return "decapsulated a fragment";
  if (std::find(local.begin(), local.end(), IpAddress(outer.dst)) ==
      local.end()) {
    return "decapsulated a packet for another host";
  }
  const size_t l3 = L3Offset(in_p);
  Bytes want(in.begin(), in.begin() + l3);
  const uint16_t ethertype = outer.protocol == IPPROTO_IPIP ? 0x0800 : 0x86dd;
  want[l3 - 2] = static_cast<uint8_t>(ethertype >> 8);
  want[l3 - 1] = static_cast<uint8_t>(ethertype);
  if (l3 + outer.header_length > in.size()) {
    return "decapsulated a truncated outer header";
  }
  want.insert(want.end(), in.begin() + l3 + outer.header_length, in.end());
  if (out != want) {
    return "the output is not the input without its outer header";
  }
  if (WellFormed(in_p) && !WellFormed(ParsePacket(out))) {
    return "a well-formed input left malformed";
  }
  return "";
}

}  // namespace sluice::testing
