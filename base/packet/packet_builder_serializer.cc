#include "base/packet/packet_builder_serializer.h"

#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "base/packet/checksum.h"
#include "base/packet/packet_builder_bytes.h"

namespace sluice::testing::packet_builder_internal {
namespace {

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

std::vector<uint8_t> SerializeLayers(absl::Span<const Layer> layers) {
  std::vector<uint8_t> bytes;
  for (size_t i = layers.size(); i-- > 0;) {
    Serializer s{i + 1 < layers.size() ? &layers[i + 1] : nullptr,
                 absl::nullopt};
    for (size_t j = i; j-- > 0;) {
      if (auto* ip = std::get_if<IpLayer>(&layers[j])) {
        s.pseudo = PseudoHeaderOf(*ip);
        break;
      }
    }
    bytes = std::visit(
        [&](const auto& layer) { return s(layer, std::move(bytes)); },
        layers[i]);
  }
  return bytes;
}

}  // namespace sluice::testing::packet_builder_internal
