#include "base/packet/packet_builder.h"

#include <linux/if_ether.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "base/packet/checksum.h"

namespace sluice::testing {
namespace {

// Misuse of the builder is a bug in the test; stop it loudly.
[[noreturn]] void Die(absl::string_view what) {
  std::fprintf(stderr, "sluice::testing::PacketBuilder: %.*s\n",
               static_cast<int>(what.size()), what.data());
  std::abort();
}

// --- Layer descriptions, filled by the fluent calls ---

struct EthLayer {
  MacAddr src, dst;
  std::vector<uint16_t> vlan_tcis;  // outer first
  absl::optional<uint16_t> ethertype;
};

struct ArpLayer {
  ArpOp op;
  MacAddr sender_mac;
  IpAddress sender_ip;
  MacAddr target_mac;
  IpAddress target_ip;
};

struct Ipv6Ext {
  uint8_t type;
  // Bytes after the next-header and length bytes, already padded (not used
  // for the fragment header, whose fields are filled at build time).
  std::vector<uint8_t> body;
  uint16_t frag_offset = 0;
  bool frag_more = false;
};

struct IpLayer {
  int family;
  IpAddress src, dst;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint32_t id = 0;
  bool df = false;
  bool mf = false;
  uint16_t frag_offset = 0;          // bytes
  std::vector<uint8_t> options;      // IPv4, padded
  uint32_t flow_label = 0;           // IPv6
  std::vector<Ipv6Ext> ext_headers;  // IPv6, in wire order
  absl::optional<uint8_t> protocol;
  absl::optional<uint16_t> length;
  bool bad_checksum = false;
};

struct L4Layer {
  bool bad_checksum = false;
};

struct TcpLayer : L4Layer {
  uint16_t src_port, dst_port;
  uint8_t flags;
  uint32_t seq = 1;
  uint32_t ack = 0;
  uint16_t window = 65535;
  std::vector<uint8_t> options;  // unpadded
};

struct UdpLayer : L4Layer {
  uint16_t src_port, dst_port;
  absl::optional<uint16_t> length;
  bool zero_checksum = false;
};

struct IcmpLayer : L4Layer {
  bool v6;
  uint8_t type, code;
  uint32_t rest;  // the 4 bytes after the checksum
};

struct PayloadLayer {
  std::vector<uint8_t> bytes;
};

using Layer = std::variant<EthLayer, ArpLayer, IpLayer, TcpLayer, UdpLayer,
                           IcmpLayer, PayloadLayer>;

// --- Big-endian writing ---

void Put8(std::vector<uint8_t>& out, uint8_t v) { out.push_back(v); }
void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}
void PutBytes(std::vector<uint8_t>& out, absl::Span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
void PutAddress(std::vector<uint8_t>& out, const IpAddress& ip) {
  PutBytes(out, absl::MakeConstSpan(ip.bytes.data(), ip.size()));
}
void Set16(std::vector<uint8_t>& out, size_t offset, uint16_t v) {
  out[offset] = static_cast<uint8_t>(v >> 8);
  out[offset + 1] = static_cast<uint8_t>(v);
}

// A wrong checksum that no receiver can take for the right one: never equal
// to it, and never 0 or 0xffff (0xffff and 0 are the same one's-complement
// value, and 0 means "no checksum" for UDP over IPv4).
uint16_t WrongChecksum(uint16_t good) {
  return good == 0x1111 ? 0x2222 : 0x1111;
}

uint16_t Length16(size_t length, const char* what) {
  if (length > 0xffff) Die(what);
  return static_cast<uint16_t>(length);
}

// Pads `bytes` with `pad` bytes to a multiple of `unit`.
std::vector<uint8_t> Padded(absl::Span<const uint8_t> bytes, size_t unit) {
  std::vector<uint8_t> out(bytes.begin(), bytes.end());
  out.resize((out.size() + unit - 1) / unit * unit, 0);
  return out;
}

// Pads IPv6 option TLVs so the extension header is a multiple of 8 bytes.
std::vector<uint8_t> PaddedIpv6Options(absl::Span<const uint8_t> options) {
  std::vector<uint8_t> out(options.begin(), options.end());
  size_t pad = (8 - (2 + out.size()) % 8) % 8;
  if (pad == 1) {
    out.push_back(0);  // Pad1
  } else if (pad > 1) {
    out.push_back(1);  // PadN
    out.push_back(static_cast<uint8_t>(pad - 2));
    out.resize(out.size() + pad - 2, 0);
  }
  return out;
}

// --- Serialization: each layer wraps the bytes of the layers after it ---

// What an L4 checksum needs from the nearest enclosing IP layer.
struct PseudoHeader {
  IpAddress src, dst;
};

struct Serializer {
  const Layer* next;  // null for the innermost layer
  absl::optional<PseudoHeader> pseudo;

  uint16_t EtherTypeForNext() const {
    if (next != nullptr) {
      if (auto* ip = std::get_if<IpLayer>(next)) {
        return ip->family == AF_INET ? ETH_P_IP : ETH_P_IPV6;
      }
      if (std::holds_alternative<ArpLayer>(*next)) return ETH_P_ARP;
    }
    Die("Eth(): the next layer is not IP or ARP; set EtherType()");
  }

  uint8_t ProtocolForNext(const IpLayer& ip) const {
    if (ip.protocol) return *ip.protocol;
    if (next == nullptr || std::holds_alternative<PayloadLayer>(*next)) {
      if (ip.family == AF_INET6) return IPPROTO_NONE;
      Die("Ipv4(): no L4 layer follows; set IpProtocol()");
    }
    if (auto* inner = std::get_if<IpLayer>(next)) {
      return inner->family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
    }
    if (std::holds_alternative<TcpLayer>(*next)) return IPPROTO_TCP;
    if (std::holds_alternative<UdpLayer>(*next)) return IPPROTO_UDP;
    if (auto* icmp = std::get_if<IcmpLayer>(next)) {
      return static_cast<uint8_t>(icmp->v6 ? int{IPPROTO_ICMPV6}
                                           : int{IPPROTO_ICMP});
    }
    Die("IP layer followed by Eth() or Arp(); set IpProtocol()");
  }

  const PseudoHeader& Pseudo(const char* layer) const {
    if (!pseudo) {
      Die(absl::StrCat(layer, " needs an enclosing IP layer for its checksum"));
    }
    return *pseudo;
  }

  std::vector<uint8_t> operator()(const EthLayer& eth,
                                  std::vector<uint8_t> inner) const {
    std::vector<uint8_t> out;
    PutBytes(out, eth.dst.bytes);
    PutBytes(out, eth.src.bytes);
    for (uint16_t tci : eth.vlan_tcis) {
      Put16(out, ETH_P_8021Q);
      Put16(out, tci);
    }
    Put16(out, eth.ethertype ? *eth.ethertype : EtherTypeForNext());
    PutBytes(out, inner);
    return out;
  }

  std::vector<uint8_t> operator()(const ArpLayer& arp,
                                  std::vector<uint8_t> inner) const {
    std::vector<uint8_t> out;
    Put16(out, 1);  // hardware type: Ethernet
    Put16(out, ETH_P_IP);
    Put8(out, ETH_ALEN);
    Put8(out, 4);
    Put16(out, static_cast<uint16_t>(arp.op));
    PutBytes(out, arp.sender_mac.bytes);
    PutAddress(out, arp.sender_ip);
    PutBytes(out, arp.target_mac.bytes);
    PutAddress(out, arp.target_ip);
    PutBytes(out, inner);
    return out;
  }

  std::vector<uint8_t> operator()(const IpLayer& ip,
                                  std::vector<uint8_t> inner) const {
    return ip.family == AF_INET ? Ipv4(ip, inner) : Ipv6(ip, inner);
  }

  std::vector<uint8_t> Ipv4(const IpLayer& ip,
                            const std::vector<uint8_t>& inner) const {
    const size_t header_length = 20 + ip.options.size();
    std::vector<uint8_t> out;
    Put8(out, static_cast<uint8_t>(0x40 | header_length / 4));
    Put8(out, ip.tos);
    Put16(out, ip.length ? *ip.length
                         : Length16(header_length + inner.size(),
                                    "IPv4 packet longer than 65535 bytes"));
    Put16(out, static_cast<uint16_t>(ip.id));
    Put16(out, static_cast<uint16_t>((ip.df ? IP_DF : 0) | (ip.mf ? IP_MF : 0) |
                                     ip.frag_offset / 8));
    Put8(out, ip.ttl);
    Put8(out, ProtocolForNext(ip));
    Put16(out, 0);  // checksum, below
    PutAddress(out, ip.src);
    PutAddress(out, ip.dst);
    PutBytes(out, ip.options);
    uint16_t checksum = InternetChecksum(out);
    Set16(out, 10, ip.bad_checksum ? WrongChecksum(checksum) : checksum);
    PutBytes(out, inner);
    return out;
  }

  std::vector<uint8_t> Ipv6(const IpLayer& ip,
                            const std::vector<uint8_t>& inner) const {
    std::vector<uint8_t> exts;
    for (size_t i = 0; i < ip.ext_headers.size(); ++i) {
      const Ipv6Ext& ext = ip.ext_headers[i];
      Put8(exts, i + 1 < ip.ext_headers.size() ? ip.ext_headers[i + 1].type
                                               : ProtocolForNext(ip));
      if (ext.type == IPPROTO_FRAGMENT) {
        Put8(exts, 0);  // reserved
        Put16(exts, static_cast<uint16_t>(ext.frag_offset | ext.frag_more));
        Put32(exts, ip.id);
      } else {
        Put8(exts, static_cast<uint8_t>((2 + ext.body.size()) / 8 - 1));
        PutBytes(exts, ext.body);
      }
    }
    std::vector<uint8_t> out;
    Put32(out, 6u << 28 | uint32_t{ip.tos} << 20 | (ip.flow_label & 0xfffff));
    Put16(out, ip.length ? *ip.length
                         : Length16(exts.size() + inner.size(),
                                    "IPv6 payload longer than 65535 bytes"));
    Put8(out,
         ip.ext_headers.empty() ? ProtocolForNext(ip) : ip.ext_headers[0].type);
    Put8(out, ip.ttl);
    PutAddress(out, ip.src);
    PutAddress(out, ip.dst);
    PutBytes(out, exts);
    PutBytes(out, inner);
    return out;
  }

  std::vector<uint8_t> operator()(const TcpLayer& tcp,
                                  std::vector<uint8_t> inner) const {
    std::vector<uint8_t> options = Padded(tcp.options, 4);
    std::vector<uint8_t> out;
    Put16(out, tcp.src_port);
    Put16(out, tcp.dst_port);
    Put32(out, tcp.seq);
    Put32(out, tcp.ack);
    Put8(out, static_cast<uint8_t>((20 + options.size()) / 4 << 4));
    Put8(out, tcp.flags);
    Put16(out, tcp.window);
    Put16(out, 0);  // checksum, below
    Put16(out, 0);  // urgent pointer
    PutBytes(out, options);
    PutBytes(out, inner);
    const PseudoHeader& ph = Pseudo("Tcp()");
    uint16_t checksum = L4Checksum(ph.src, ph.dst, IPPROTO_TCP, out);
    Set16(out, 16, tcp.bad_checksum ? WrongChecksum(checksum) : checksum);
    return out;
  }

  std::vector<uint8_t> operator()(const UdpLayer& udp,
                                  std::vector<uint8_t> inner) const {
    std::vector<uint8_t> out;
    Put16(out, udp.src_port);
    Put16(out, udp.dst_port);
    Put16(out, udp.length
                   ? *udp.length
                   : Length16(8 + inner.size(), "UDP datagram too long"));
    Put16(out, 0);  // checksum, below
    PutBytes(out, inner);
    const PseudoHeader& ph = Pseudo("Udp()");
    uint16_t checksum = L4Checksum(ph.src, ph.dst, IPPROTO_UDP, out);
    if (checksum == 0) checksum = 0xffff;  // 0 means "none" (RFC 768)
    if (udp.zero_checksum) checksum = 0;
    Set16(out, 6, udp.bad_checksum ? WrongChecksum(checksum) : checksum);
    return out;
  }

  std::vector<uint8_t> operator()(const IcmpLayer& icmp,
                                  std::vector<uint8_t> inner) const {
    std::vector<uint8_t> out;
    Put8(out, icmp.type);
    Put8(out, icmp.code);
    Put16(out, 0);  // checksum, below
    Put32(out, icmp.rest);
    PutBytes(out, inner);
    uint16_t checksum;
    if (icmp.v6) {
      const PseudoHeader& ph = Pseudo("Icmpv6()");
      checksum = L4Checksum(ph.src, ph.dst, IPPROTO_ICMPV6, out);
    } else {
      checksum = InternetChecksum(out);
    }
    Set16(out, 2, icmp.bad_checksum ? WrongChecksum(checksum) : checksum);
    return out;
  }

  std::vector<uint8_t> operator()(const PayloadLayer& payload,
                                  std::vector<uint8_t> inner) const {
    std::vector<uint8_t> out = payload.bytes;
    PutBytes(out, inner);
    return out;
  }
};

// The pseudo-header addresses for an L4 layer: the nearest IP layer's source,
// and its destination or, with a pending routing header, the final one.
PseudoHeader PseudoHeaderOf(const IpLayer& ip) {
  PseudoHeader ph{ip.src, ip.dst};
  for (const Ipv6Ext& ext : ip.ext_headers) {
    if (ext.type != IPPROTO_ROUTING || ext.body[1] == 0) continue;
    // body: type, segments left, 4 reserved bytes, addresses (Routing()
    // guarantees at least one when segments left is not 0).
    std::copy(ext.body.end() - 16, ext.body.end(), ph.dst.bytes.begin());
  }
  return ph;
}

}  // namespace

struct PacketBuilder::Layers {
  std::vector<Layer> list;
  absl::optional<size_t> truncate;

  template <typename T>
  T& Last(const char* modifier) {
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      if (T* layer = std::get_if<T>(&*it)) return *layer;
    }
    Die(absl::StrCat(modifier, " has no layer to apply to"));
  }

  // The most recent IP layer, which must be of `family` unless it is 0.
  IpLayer& LastIp(const char* modifier, int family = 0) {
    IpLayer& ip = Last<IpLayer>(modifier);
    if (family != 0 && ip.family != family) {
      Die(absl::StrCat(modifier, " does not apply to IPv",
                       ip.family == AF_INET ? 4 : 6));
    }
    return ip;
  }

  L4Layer& LastL4(const char* modifier) {
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      if (auto* l = std::get_if<TcpLayer>(&*it)) return *l;
      if (auto* l = std::get_if<UdpLayer>(&*it)) return *l;
      if (auto* l = std::get_if<IcmpLayer>(&*it)) return *l;
    }
    Die(absl::StrCat(modifier, " has no L4 layer to apply to"));
  }
};

PacketBuilder::PacketBuilder() : layers_(std::make_unique<Layers>()) {}
PacketBuilder::~PacketBuilder() = default;
PacketBuilder::PacketBuilder(const PacketBuilder& other)
    : layers_(std::make_unique<Layers>(*other.layers_)) {}
PacketBuilder& PacketBuilder::operator=(const PacketBuilder& other) {
  layers_ = std::make_unique<Layers>(*other.layers_);
  return *this;
}
PacketBuilder::PacketBuilder(PacketBuilder&&) noexcept = default;
PacketBuilder& PacketBuilder::operator=(PacketBuilder&&) noexcept = default;

PacketBuilder& PacketBuilder::Eth(const MacAddr& src, const MacAddr& dst) {
  layers_->list.push_back(EthLayer{src, dst, {}, {}});
  return *this;
}

PacketBuilder& PacketBuilder::Vlan(uint16_t vid, uint8_t pcp) {
  if (vid > 0xfff || pcp > 7) Die("Vlan(): vid or pcp out of range");
  layers_->Last<EthLayer>("Vlan()").vlan_tcis.push_back(
      static_cast<uint16_t>(pcp << 13 | vid));
  return *this;
}

PacketBuilder& PacketBuilder::EtherType(uint16_t ethertype) {
  layers_->Last<EthLayer>("EtherType()").ethertype = ethertype;
  return *this;
}

PacketBuilder& PacketBuilder::Arp(ArpOp op, const MacAddr& sender_mac,
                                  const IpAddress& sender_ip,
                                  const MacAddr& target_mac,
                                  const IpAddress& target_ip) {
  if (!sender_ip.is_v4() || !target_ip.is_v4()) Die("Arp(): IPv4 only");
  layers_->list.push_back(
      ArpLayer{op, sender_mac, sender_ip, target_mac, target_ip});
  return *this;
}

PacketBuilder& PacketBuilder::Ipv4(const IpAddress& src, const IpAddress& dst) {
  if (!src.is_v4() || !dst.is_v4()) Die("Ipv4(): addresses must be IPv4");
  IpLayer ip;
  ip.family = AF_INET;
  ip.src = src;
  ip.dst = dst;
  layers_->list.push_back(std::move(ip));
  return *this;
}

PacketBuilder& PacketBuilder::Ipv6(const IpAddress& src, const IpAddress& dst) {
  if (src.family != AF_INET6 || dst.family != AF_INET6) {
    Die("Ipv6(): addresses must be IPv6");
  }
  IpLayer ip;
  ip.family = AF_INET6;
  ip.src = src;
  ip.dst = dst;
  layers_->list.push_back(std::move(ip));
  return *this;
}

PacketBuilder& PacketBuilder::Ttl(uint8_t ttl) {
  layers_->LastIp("Ttl()").ttl = ttl;
  return *this;
}

PacketBuilder& PacketBuilder::Tos(uint8_t tos) {
  layers_->LastIp("Tos()").tos = tos;
  return *this;
}

PacketBuilder& PacketBuilder::IpId(uint32_t id) {
  IpLayer& ip = layers_->LastIp("IpId()");
  if (ip.family == AF_INET && id > 0xffff) Die("IpId(): IPv4 id is 16 bits");
  ip.id = id;
  return *this;
}

PacketBuilder& PacketBuilder::Df() {
  layers_->LastIp("Df()", AF_INET).df = true;
  return *this;
}

PacketBuilder& PacketBuilder::Fragment(uint16_t offset_bytes,
                                       bool more_fragments) {
  if (offset_bytes % 8 != 0) Die("Fragment(): offset must be a multiple of 8");
  IpLayer& ip = layers_->LastIp("Fragment()");
  if (ip.family == AF_INET) {
    ip.frag_offset = offset_bytes;
    ip.mf = more_fragments;
  } else {
    ip.ext_headers.push_back(
        Ipv6Ext{IPPROTO_FRAGMENT, {}, offset_bytes, more_fragments});
  }
  return *this;
}

PacketBuilder& PacketBuilder::Ipv4Options(absl::Span<const uint8_t> options) {
  if (options.size() > 40) Die("Ipv4Options(): at most 40 bytes");
  layers_->LastIp("Ipv4Options()", AF_INET).options = Padded(options, 4);
  return *this;
}

PacketBuilder& PacketBuilder::FlowLabel(uint32_t label) {
  if (label > 0xfffff) Die("FlowLabel(): the label is 20 bits");
  layers_->LastIp("FlowLabel()", AF_INET6).flow_label = label;
  return *this;
}

PacketBuilder& PacketBuilder::HopByHop(absl::Span<const uint8_t> options) {
  layers_->LastIp("HopByHop()", AF_INET6)
      .ext_headers.push_back(
          Ipv6Ext{IPPROTO_HOPOPTS, PaddedIpv6Options(options)});
  return *this;
}

PacketBuilder& PacketBuilder::DestOpts(absl::Span<const uint8_t> options) {
  layers_->LastIp("DestOpts()", AF_INET6)
      .ext_headers.push_back(
          Ipv6Ext{IPPROTO_DSTOPTS, PaddedIpv6Options(options)});
  return *this;
}

PacketBuilder& PacketBuilder::Routing(uint8_t type, uint8_t segments_left,
                                      const std::vector<IpAddress>& addresses) {
  std::vector<uint8_t> body = {type, segments_left, 0, 0, 0, 0};
  for (const IpAddress& a : addresses) {
    if (a.family != AF_INET6) Die("Routing(): addresses must be IPv6");
    PutAddress(body, a);
  }
  if (segments_left > addresses.size()) {
    Die("Routing(): segments_left exceeds the address count");
  }
  layers_->LastIp("Routing()", AF_INET6)
      .ext_headers.push_back(Ipv6Ext{IPPROTO_ROUTING, std::move(body)});
  return *this;
}

PacketBuilder& PacketBuilder::IpProtocol(uint8_t protocol) {
  layers_->LastIp("IpProtocol()").protocol = protocol;
  return *this;
}

PacketBuilder& PacketBuilder::IpLength(uint16_t length) {
  layers_->LastIp("IpLength()").length = length;
  return *this;
}

PacketBuilder& PacketBuilder::BadIpChecksum() {
  layers_->LastIp("BadIpChecksum()", AF_INET).bad_checksum = true;
  return *this;
}

PacketBuilder& PacketBuilder::Tcp(uint16_t src_port, uint16_t dst_port,
                                  uint8_t flags) {
  TcpLayer tcp;
  tcp.src_port = src_port;
  tcp.dst_port = dst_port;
  tcp.flags = flags;
  layers_->list.push_back(std::move(tcp));
  return *this;
}

PacketBuilder& PacketBuilder::Seq(uint32_t seq) {
  layers_->Last<TcpLayer>("Seq()").seq = seq;
  return *this;
}

PacketBuilder& PacketBuilder::AckNum(uint32_t ack) {
  layers_->Last<TcpLayer>("AckNum()").ack = ack;
  return *this;
}

PacketBuilder& PacketBuilder::Window(uint16_t window) {
  layers_->Last<TcpLayer>("Window()").window = window;
  return *this;
}

PacketBuilder& PacketBuilder::TcpOptions(absl::Span<const uint8_t> options) {
  TcpLayer& tcp = layers_->Last<TcpLayer>("TcpOptions()");
  PutBytes(tcp.options, options);
  if (tcp.options.size() > 40) Die("TcpOptions(): at most 40 bytes");
  return *this;
}

PacketBuilder& PacketBuilder::TcpMss(uint16_t mss) {
  const uint8_t option[] = {TCPOPT_MAXSEG, TCPOLEN_MAXSEG,
                            static_cast<uint8_t>(mss >> 8),
                            static_cast<uint8_t>(mss)};
  return TcpOptions(option);
}

PacketBuilder& PacketBuilder::Udp(uint16_t src_port, uint16_t dst_port) {
  UdpLayer udp;
  udp.src_port = src_port;
  udp.dst_port = dst_port;
  layers_->list.push_back(std::move(udp));
  return *this;
}

PacketBuilder& PacketBuilder::UdpLength(uint16_t length) {
  layers_->Last<UdpLayer>("UdpLength()").length = length;
  return *this;
}

PacketBuilder& PacketBuilder::ZeroUdpChecksum() {
  layers_->Last<UdpLayer>("ZeroUdpChecksum()").zero_checksum = true;
  return *this;
}

PacketBuilder& PacketBuilder::IcmpEcho(uint16_t id, uint16_t seq) {
  return Icmp(ICMP_ECHO, 0, uint32_t{id} << 16 | seq);
}

PacketBuilder& PacketBuilder::IcmpEchoReply(uint16_t id, uint16_t seq) {
  return Icmp(ICMP_ECHOREPLY, 0, uint32_t{id} << 16 | seq);
}

PacketBuilder& PacketBuilder::IcmpDestUnreachable(
    uint8_t code, absl::Span<const uint8_t> inner) {
  return Icmp(ICMP_DEST_UNREACH, code).Payload(inner);
}

PacketBuilder& PacketBuilder::IcmpFragNeeded(uint16_t mtu,
                                             absl::Span<const uint8_t> inner) {
  return Icmp(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu).Payload(inner);
}

PacketBuilder& PacketBuilder::IcmpTimeExceeded(
    absl::Span<const uint8_t> inner) {
  return Icmp(ICMP_TIME_EXCEEDED, ICMP_EXC_TTL).Payload(inner);
}

PacketBuilder& PacketBuilder::Icmp(uint8_t type, uint8_t code, uint32_t rest) {
  IcmpLayer icmp;
  icmp.v6 = false;
  icmp.type = type;
  icmp.code = code;
  icmp.rest = rest;
  layers_->list.push_back(std::move(icmp));
  return *this;
}

PacketBuilder& PacketBuilder::Icmpv6Echo(uint16_t id, uint16_t seq) {
  return Icmpv6(ICMP6_ECHO_REQUEST, 0, uint32_t{id} << 16 | seq);
}

PacketBuilder& PacketBuilder::Icmpv6EchoReply(uint16_t id, uint16_t seq) {
  return Icmpv6(ICMP6_ECHO_REPLY, 0, uint32_t{id} << 16 | seq);
}

PacketBuilder& PacketBuilder::Icmpv6DestUnreachable(
    uint8_t code, absl::Span<const uint8_t> inner) {
  return Icmpv6(ICMP6_DST_UNREACH, code).Payload(inner);
}

PacketBuilder& PacketBuilder::Icmpv6PacketTooBig(
    uint32_t mtu, absl::Span<const uint8_t> inner) {
  return Icmpv6(ICMP6_PACKET_TOO_BIG, 0, mtu).Payload(inner);
}

PacketBuilder& PacketBuilder::Icmpv6(uint8_t type, uint8_t code,
                                     uint32_t rest) {
  Icmp(type, code, rest);
  std::get<IcmpLayer>(layers_->list.back()).v6 = true;
  return *this;
}

PacketBuilder& PacketBuilder::BadL4Checksum() {
  layers_->LastL4("BadL4Checksum()").bad_checksum = true;
  return *this;
}

PacketBuilder& PacketBuilder::Payload(absl::string_view bytes) {
  return Payload(absl::MakeConstSpan(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

PacketBuilder& PacketBuilder::Payload(absl::Span<const uint8_t> bytes) {
  layers_->list.push_back(
      PayloadLayer{std::vector<uint8_t>(bytes.begin(), bytes.end())});
  return *this;
}

PacketBuilder& PacketBuilder::PayloadOfSize(size_t size) {
  PayloadLayer payload;
  for (size_t i = 0; i < size; ++i) {
    payload.bytes.push_back(static_cast<uint8_t>(i));
  }
  layers_->list.push_back(std::move(payload));
  return *this;
}

PacketBuilder& PacketBuilder::Truncate(size_t size) {
  layers_->truncate = size;
  return *this;
}

std::vector<uint8_t> PacketBuilder::Build() const {
  const std::vector<Layer>& list = layers_->list;
  std::vector<uint8_t> bytes;
  for (size_t i = list.size(); i-- > 0;) {
    Serializer s{i + 1 < list.size() ? &list[i + 1] : nullptr, absl::nullopt};
    for (size_t j = i; j-- > 0;) {
      if (auto* ip = std::get_if<IpLayer>(&list[j])) {
        s.pseudo = PseudoHeaderOf(*ip);
        break;
      }
    }
    bytes = std::visit(
        [&](const auto& layer) { return s(layer, std::move(bytes)); }, list[i]);
  }
  if (layers_->truncate && *layers_->truncate < bytes.size()) {
    bytes.resize(*layers_->truncate);
  }
  return bytes;
}

}  // namespace sluice::testing
