#include "datapath/fuzz/frame_mutator.h"

#include <netinet/in.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/packet/checksum.h"
#include "base/packet/packet_parser.h"

namespace sluice::testing {
namespace {

constexpr size_t kEthHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr size_t kIpv4Header = 20;
// Bit flips and inserts land in the first bytes this often (in percent):
// the headers are where the programs look.
constexpr size_t kHeaderBias = 80;
constexpr size_t kHeaderBytes = 128;

struct Field {
  size_t offset;
  size_t width;  // 1, 2 or 4 bytes
};

void AddIpFields(const IpInfo& ip, size_t base, std::vector<Field>& out) {
  const size_t at = base + ip.offset;
  if (ip.version == 4) {
    for (Field f : {Field{0, 1}, {1, 1}, {2, 2}, {4, 2}, {6, 2}, {8, 1},
                    {9, 1}, {10, 2}, {12, 4}, {16, 4}}) {
      out.push_back({at + f.offset, f.width});
    }
    for (size_t i = kIpv4Header; i < ip.header_length; ++i) {
      out.push_back({at + i, 1});  // option bytes: type, length, pointer
    }
    return;
  }
  // The last word of each address holds what tells the test's hosts apart.
  for (Field f : {Field{0, 1}, {4, 2}, {6, 1}, {7, 1}, {20, 4}, {36, 4}}) {
    out.push_back({at + f.offset, f.width});
  }
  for (const Ipv6ExtInfo& e : ip.ext_headers) {
    // Next header, length, then (fragment) offset / (routing) type and
    // segments left.
    for (Field f : {Field{0, 1}, {1, 1}, {2, 2}, {3, 1}}) {
      out.push_back({base + e.offset + f.offset, f.width});
    }
  }
}

void AddL4Fields(const L4Info& l4, size_t base, std::vector<Field>& out) {
  const size_t at = base + l4.offset;
  switch (l4.protocol) {
    case L4Protocol::kTcp:
      for (Field f : {Field{0, 2}, {2, 2}, {12, 1}, {13, 1}, {16, 2}}) {
        out.push_back({at + f.offset, f.width});
      }
      break;
    case L4Protocol::kUdp:
      for (Field f : {Field{0, 2}, {2, 2}, {4, 2}, {6, 2}}) {
        out.push_back({at + f.offset, f.width});
      }
      break;
    case L4Protocol::kIcmp:
    case L4Protocol::kIcmpv6:
      for (Field f : {Field{0, 1}, {1, 1}, {2, 2}, {4, 2}, {6, 2}}) {
        out.push_back({at + f.offset, f.width});
      }
      break;
    case L4Protocol::kNone:
      break;
  }
}

// Every header field of `p` (parsed from the bytes at `base`), the packet an
// ICMP error quotes included.
void AddFields(const ParsedPacket& p, size_t base, std::vector<Field>& out) {
  if (p.eth) {
    out.push_back({base + 12, 2});
    for (size_t i = 0; i < p.eth->vlan_ids.size(); ++i) {
      out.push_back({base + kEthHeader + kVlanTag * i, 2});
      out.push_back({base + kEthHeader + kVlanTag * i + 2, 2});
    }
  }
  if (p.arp) {
    const size_t at = base + kEthHeader + kVlanTag * p.eth->vlan_ids.size();
    for (Field f : {Field{0, 2}, {2, 2}, {4, 1}, {5, 1}, {6, 2}, {14, 4},
                    {24, 4}}) {
      out.push_back({at + f.offset, f.width});
    }
  }
  for (const IpInfo& ip : p.ip) AddIpFields(ip, base, out);
  AddL4Fields(p.l4, base, out);
  if (p.l4.inner) AddFields(*p.l4.inner, base + p.l4.offset + 8, out);
}

void Put(Bytes& f, size_t offset, size_t width, uint32_t value) {
  for (size_t i = 0; i < width; ++i) {
    f[offset + i] = static_cast<uint8_t>(value >> (8 * (width - 1 - i)));
  }
}

void PutChecksum(Bytes& f, size_t offset, uint16_t value) {
  Put(f, offset, 2, value);
}

// The IPv6 pseudo-header's destination: the last address of a routing
// header with segments left, as the parser takes it.
IpAddress FinalDestination(const Bytes& f, const IpInfo& ip) {
  IpAddress dst(ip.dst);
  for (const Ipv6ExtInfo& e : ip.ext_headers) {
    if (e.type != IPPROTO_ROUTING || e.length < 24 || f[e.offset + 3] == 0) {
      continue;
    }
    std::copy(f.begin() + e.offset + e.length - 16,
              f.begin() + e.offset + e.length, dst.bytes.begin());
  }
  return dst;
}

void FixIpv4Headers(Bytes& f, const ParsedPacket& p, size_t base) {
  for (const IpInfo& ip : p.ip) {
    const size_t at = base + ip.offset;
    if (ip.version != 4 || at + ip.header_length > f.size()) continue;
    PutChecksum(f, at + 10, 0);
    PutChecksum(f, at + 10,
                InternetChecksum(absl::MakeConstSpan(f).subspan(
                    at, ip.header_length)));
  }
}

}  // namespace

FrameMutator::FrameMutator(uint64_t seed, MutationDictionary dictionary)
    : rng_(seed), dictionary_(std::move(dictionary)) {}

size_t FrameMutator::Below(size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
}

Mutant FrameMutator::Mutate(const Bytes& frame) {
  Mutant m{frame, ""};
  const size_t count = 1 + Below(3);
  for (size_t i = 0; i < count && !m.frame.empty(); ++i) {
    switch (Below(10)) {
      case 0:
      case 1:
      case 2:
        FlipBits(m.frame, m.how);
        break;
      case 3:
      case 4:
      case 5:
        OverwriteField(m.frame, m.how);
        break;
      case 6:
        InsertOrDelete(m.frame, m.how);
        break;
      case 7:
        Append(m.frame, m.how);
        break;
      default:
        Truncate(m.frame, m.how);
    }
  }
  if (Below(2) == 0) {
    FixChecksums(m.frame);
    absl::StrAppend(&m.how, "fix-csum");
  }
  return m;
}

void FrameMutator::FlipBits(Bytes& f, std::string& how) {
  const size_t bits = 1 + Below(4);
  for (size_t i = 0; i < bits; ++i) {
    const size_t span = Below(100) < kHeaderBias
                            ? std::min(f.size(), kHeaderBytes)
                            : f.size();
    const size_t byte = Below(span), bit = Below(8);
    f[byte] ^= static_cast<uint8_t>(1u << bit);
    absl::StrAppend(&how, "flip@", byte, ".", bit, " ");
  }
}

Bytes FrameMutator::FieldValue(size_t width, size_t frame_size,
                               size_t offset) {
  // Values that sit on a boundary of some field: lengths around what is
  // present, header sizes, protocol numbers, EtherTypes, flags.
  static const uint32_t kBytes[] = {
      0,    1,    2,    3,    4,    5,    6,    8,    11,   15,   17,
      41,   43,   44,   58,   59,   60,   0x40, 0x45, 0x46, 0x4f, 0x60,
      0x7f, 0x80, 0x81, 0x86, 128,  129,  133,  135,  136,  0xfe, 0xff};
  static const uint32_t kShorts[] = {
      0,      1,      2,      8,      20,     28,     40,     48,
      0x1fff, 0x2000, 0x4000, 0x3fff, 0x7fff, 0x8000, 0xfffe, 0xffff,
      0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x0001, 0xfff8, 0x0008};
  uint32_t value;
  const size_t pick = Below(8);
  if (pick == 0) {
    value = static_cast<uint32_t>(rng_());
  } else if (width == 4 && !dictionary_.words.empty() && pick < 5) {
    return dictionary_.words[Below(dictionary_.words.size())];
  } else if (width == 2 && !dictionary_.shorts.empty() && pick < 3) {
    return dictionary_.shorts[Below(dictionary_.shorts.size())];
  } else if (width == 2 && pick < 5) {
    // A length field near the bytes that follow it.
    const size_t rest = frame_size > offset ? frame_size - offset : 0;
    value = static_cast<uint32_t>(rest + Below(9) - 4);
  } else if (width == 1) {
    value = kBytes[Below(std::size(kBytes))];
  } else if (width == 2) {
    value = kShorts[Below(std::size(kShorts))];
  } else {
    value = Below(2) ? 0 : 0xffffffff;
  }
  Bytes out(width);
  for (size_t i = 0; i < width; ++i) {
    out[i] = static_cast<uint8_t>(value >> (8 * (width - 1 - i)));
  }
  return out;
}

void FrameMutator::OverwriteField(Bytes& f, std::string& how) {
  std::vector<Field> fields;
  AddFields(ParsePacket(f), 0, fields);
  fields.erase(std::remove_if(fields.begin(), fields.end(),
                              [&](const Field& x) {
                                return x.offset + x.width > f.size();
                              }),
               fields.end());
  if (fields.empty()) return FlipBits(f, how);
  const Field field = fields[Below(fields.size())];
  const Bytes value = FieldValue(field.width, f.size(), field.offset);
  std::copy(value.begin(), value.end(), f.begin() + field.offset);
  absl::StrAppend(&how, "set@", field.offset, "/", field.width, " ");
}

void FrameMutator::InsertOrDelete(Bytes& f, std::string& how) {
  const size_t at = Below(std::min(f.size(), kHeaderBytes));
  const size_t n = 1 + Below(8);
  if (Below(2) == 0) {
    Bytes junk(n);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng_());
    f.insert(f.begin() + at, junk.begin(), junk.end());
    absl::StrAppend(&how, "ins@", at, "+", n, " ");
  } else {
    const size_t cut = std::min(n, f.size() - at);
    f.erase(f.begin() + at, f.begin() + at + cut);
    absl::StrAppend(&how, "del@", at, "-", cut, " ");
  }
}

void FrameMutator::Append(Bytes& f, std::string& how) {
  const size_t n = 1 + Below(64);
  for (size_t i = 0; i < n; ++i) f.push_back(static_cast<uint8_t>(rng_()));
  absl::StrAppend(&how, "append+", n, " ");
}

void FrameMutator::Truncate(Bytes& f, std::string& how) {
  const size_t span = Below(100) < kHeaderBias
                          ? std::min(f.size(), kHeaderBytes)
                          : f.size();
  // Without an Ethernet header, or (tc) an IP header after it, the kernel
  // refuses the frame before any program runs: keep those rare.
  size_t least = Below(20) ? kEthHeader : 0;
  if (Below(4)) least = kEthHeader + kIpv4Header;
  least = std::min(least, span - 1);
  const size_t size = least + Below(span - least);
  f.resize(size);
  absl::StrAppend(&how, "trunc@", size, " ");
}

void FixChecksums(Bytes& f) {
  const ParsedPacket p = ParsePacket(f);
  if (p.ip.empty()) return;
  FixIpv4Headers(f, p, 0);
  const L4Info& l4 = p.l4;
  if (l4.inner) FixIpv4Headers(f, *l4.inner, l4.offset + 8);

  const IpInfo& ip = p.ip.back();
  const size_t end = std::min(f.size(), ip.offset + ip.total_length);
  size_t check;
  uint8_t proto;
  switch (l4.protocol) {
    case L4Protocol::kTcp:
      check = 16;
      proto = IPPROTO_TCP;
      break;
    case L4Protocol::kUdp:
      check = 6;
      proto = IPPROTO_UDP;
      break;
    case L4Protocol::kIcmp:
    case L4Protocol::kIcmpv6:
      check = 2;
      proto = l4.protocol == L4Protocol::kIcmp ? uint8_t{IPPROTO_ICMP}
                                               : uint8_t{IPPROTO_ICMPV6};
      break;
    default:
      return;
  }
  if (l4.offset + check + 2 > end) return;
  PutChecksum(f, l4.offset + check, 0);
  const auto segment =
      absl::MakeConstSpan(f).subspan(l4.offset, end - l4.offset);
  uint16_t sum;
  if (proto == IPPROTO_ICMP) {
    sum = InternetChecksum(segment);
  } else {
    const IpAddress dst =
        ip.version == 6 ? FinalDestination(f, ip) : IpAddress(ip.dst);
    sum = L4Checksum(IpAddress(ip.src), dst, proto, segment);
    if (proto == IPPROTO_UDP && sum == 0) sum = 0xffff;
  }
  PutChecksum(f, l4.offset + check, sum);
}

}  // namespace sluice::testing
