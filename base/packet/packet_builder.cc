#include "base/packet/packet_builder.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>

#include <memory>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "base/packet/packet_builder_bytes.h"
#include "base/packet/packet_builder_layers.h"
#include "base/packet/packet_builder_serializer.h"

namespace sluice::testing {

using packet_builder_internal::ArpLayer;
using packet_builder_internal::Die;
using packet_builder_internal::EthLayer;
using packet_builder_internal::IcmpLayer;
using packet_builder_internal::IpLayer;
using packet_builder_internal::Ipv6Ext;
using packet_builder_internal::L4Layer;
using packet_builder_internal::Layer;
using packet_builder_internal::Padded;
using packet_builder_internal::PaddedIpv6Options;
using packet_builder_internal::PayloadLayer;
using packet_builder_internal::PutAddress;
using packet_builder_internal::PutBytes;
using packet_builder_internal::SerializeLayers;
using packet_builder_internal::TcpLayer;
using packet_builder_internal::UdpLayer;

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
  std::vector<uint8_t> bytes = SerializeLayers(layers_->list);
  if (layers_->truncate && *layers_->truncate < bytes.size()) {
    bytes.resize(*layers_->truncate);
  }
  return bytes;
}

}  // namespace sluice::testing
