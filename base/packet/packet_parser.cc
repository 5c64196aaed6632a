#include "base/packet/packet_parser.h"

#include <linux/if_ether.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/packet/checksum.h"

namespace sluice::testing {
namespace {

// Fixed bounds on repeated headers, so hostile input cannot loop for long.
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6ExtHeaders = 8;
constexpr int kMaxIpLayers = 4;

// A cursor over [pos, end) of the packet; reads are big-endian and fail,
// consuming nothing, when the bytes run out.
class Reader {
 public:
  Reader(absl::Span<const uint8_t> data, size_t pos, size_t end)
      : data_(data), pos_(pos), end_(end) {}

  size_t pos() const { return pos_; }
  size_t left() const { return end_ - pos_; }

  bool U8(uint8_t* v) {
    if (left() < 1) return false;
    *v = data_[pos_++];
    return true;
  }
  bool U16(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool U32(uint32_t* v) {
    uint16_t hi, lo;
    if (left() < 4 || !U16(&hi) || !U16(&lo)) return false;
    *v = uint32_t{hi} << 16 | lo;
    return true;
  }
  bool Bytes(size_t n, uint8_t* out) {
    if (left() < n) return false;
    std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool Bytes(size_t n, std::vector<uint8_t>* out) {
    out->resize(n);
    return Bytes(n, out->data());
  }
  bool Mac(MacAddr* mac) { return Bytes(mac->bytes.size(), mac->bytes.data()); }
  bool Address(int family, IpAddress* ip) {
    ip->family = family;
    return Bytes(ip->size(), ip->bytes.data());
  }

 private:
  absl::Span<const uint8_t> data_;
  size_t pos_;
  size_t end_;
};

// The region an IP header says its payload occupies, clipped to the bytes
// present, and what an L4 checksum over it needs.
struct IpPayload {
  size_t start, end;
  bool clipped;        // the IP length claims more bytes than are present
  IpAddress src, dst;  // pseudo-header addresses (final destination)
};

class Parser {
 public:
  Parser(absl::Span<const uint8_t> data, ParsedPacket* out)
      : data_(data), out_(out) {}

  void Ethernet() {
    Reader r(data_, 0, data_.size());
    EthernetInfo eth;
    if (!r.Mac(&eth.dst) || !r.Mac(&eth.src) || !r.U16(&eth.ethertype)) {
      return Truncated("ethernet", 0);
    }
    while (eth.ethertype == ETH_P_8021Q || eth.ethertype == ETH_P_8021AD) {
      if (static_cast<int>(eth.vlan_ids.size()) == kMaxVlanTags) {
        out_->eth = std::move(eth);
        return Stop("vlan", r.pos(), "too many VLAN tags");
      }
      const size_t tag = r.pos();
      uint16_t tci;
      if (!r.U16(&tci) || !r.U16(&eth.ethertype)) {
        out_->eth = std::move(eth);
        return Truncated("vlan", tag);
      }
      eth.vlan_ids.push_back(tci & 0xfff);
      eth.vlan_pcps.push_back(static_cast<uint8_t>(tci >> 13));
    }
    const uint16_t ethertype = eth.ethertype;
    out_->eth = std::move(eth);
    switch (ethertype) {
      case ETH_P_IP:
        return Ip(4, r.pos(), data_.size(), 0);
      case ETH_P_IPV6:
        return Ip(6, r.pos(), data_.size(), 0);
      case ETH_P_ARP:
        return Arp(r.pos());
      default:
        return Payload(r.pos(), data_.size());
    }
  }

  // Parses an IP header at `pos` whose version should be `version` (0: any).
  void Ip(int version, size_t pos, size_t end, int depth) {
    if (depth == kMaxIpLayers) return Stop("ip", pos, "too many IP layers");
    if (pos >= end) return Truncated(version == 6 ? "ipv6" : "ipv4", pos);
    const int found = data_[pos] >> 4;
    if (found != 4 && found != 6) {
      return Stop("ip", pos, absl::StrCat("IP version ", found));
    }
    if (version != 0 && found != version) {
      AddProblem(
          "ip", pos,
          absl::StrCat("IPv", found, " where IPv", version, " was announced"));
    }
    if (found == 4) return Ipv4(pos, end, depth);
    return Ipv6(pos, end, depth);
  }

  void Ipv4(size_t pos, size_t end, int depth) {
    Reader r(data_, pos, end);
    IpInfo ip;
    ip.version = 4;
    ip.offset = pos;
    uint8_t vihl;
    uint16_t total_length, id, frag, checksum;
    IpAddress src, dst;
    if (!r.U8(&vihl) || !r.U8(&ip.tos) || !r.U16(&total_length) ||
        !r.U16(&id) || !r.U16(&frag) || !r.U8(&ip.ttl) || !r.U8(&ip.protocol) ||
        !r.U16(&checksum) || !r.Address(AF_INET, &src) ||
        !r.Address(AF_INET, &dst)) {
      return Truncated("ipv4", pos);
    }
    ip.header_length = (vihl & 0xf) * 4u;
    if (ip.header_length < 20) return Stop("ipv4", pos, "IHL below 5");
    if (!r.Bytes(ip.header_length - 20, &ip.options)) {
      return Truncated("ipv4", pos);
    }
    ip.src = src.ToString();
    ip.dst = dst.ToString();
    ip.total_length = total_length;
    ip.id = id;
    ip.dont_fragment = frag & IP_DF;
    ip.more_fragments = frag & IP_MF;
    ip.frag_offset = static_cast<uint16_t>((frag & IP_OFFMASK) * 8);
    ip.is_fragment = ip.more_fragments || ip.frag_offset != 0;
    ip.checksum_ok =
        InternetChecksum(data_.subspan(pos, ip.header_length)) == 0;
    if (ip.total_length < ip.header_length) {
      out_->ip.push_back(std::move(ip));
      return Stop("ipv4", pos, "total length below header length");
    }
    IpPayload payload = Clip("ipv4", pos, ip.total_length, end);
    payload.start = r.pos();
    payload.src = src;
    payload.dst = dst;
    const uint8_t protocol = ip.protocol;
    const bool later_fragment = ip.frag_offset != 0;
    out_->ip.push_back(std::move(ip));
    if (later_fragment) return Payload(payload.start, payload.end);
    Upper(protocol, payload, depth);
  }

  void Ipv6(size_t pos, size_t end, int depth) {
    Reader r(data_, pos, end);
    IpInfo ip;
    ip.version = 6;
    ip.offset = pos;
    uint32_t vtf;
    uint16_t payload_length;
    IpAddress src, dst;
    if (!r.U32(&vtf) || !r.U16(&payload_length) || !r.U8(&ip.next_header) ||
        !r.U8(&ip.ttl) || !r.Address(AF_INET6, &src) ||
        !r.Address(AF_INET6, &dst)) {
      return Truncated("ipv6", pos);
    }
    ip.src = src.ToString();
    ip.dst = dst.ToString();
    ip.tos = static_cast<uint8_t>(vtf >> 20);
    ip.flow_label = vtf & 0xfffff;
    ip.total_length = 40u + payload_length;
    IpPayload payload = Clip("ipv6", pos, ip.total_length, end);
    payload.src = src;
    payload.dst = dst;

    // Extension headers share the reader, bounded by the payload length.
    Reader ext(data_, r.pos(), payload.end);
    uint8_t next = ip.next_header;
    bool later_fragment = false;
    for (int i = 0; i < kMaxIpv6ExtHeaders && !later_fragment; ++i) {
      if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
          next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT) {
        break;
      }
      Ipv6ExtInfo info{next, ext.pos(), 8};
      uint8_t len_or_reserved;
      if (!ext.U8(&next) || !ext.U8(&len_or_reserved)) {
        out_->ip.push_back(std::move(ip));
        return Truncated("ipv6", info.offset);
      }
      if (info.type != IPPROTO_FRAGMENT) {
        info.length = (len_or_reserved + 1) * 8u;
      }
      std::vector<uint8_t> body;
      if (!ext.Bytes(info.length - 2, &body)) {
        out_->ip.push_back(std::move(ip));
        return Truncated("ipv6", info.offset);
      }
      if (info.type == IPPROTO_FRAGMENT) {
        const uint16_t off_m = static_cast<uint16_t>(body[0] << 8 | body[1]);
        ip.is_fragment = true;
        ip.frag_offset = off_m & 0xfff8;
        ip.more_fragments = off_m & 1;
        ip.id = uint32_t{body[2]} << 24 | uint32_t{body[3]} << 16 |
                uint32_t{body[4]} << 8 | body[5];
        later_fragment = ip.frag_offset != 0;
      }
      // A routing header with segments left names the final destination
      // last (type 0/2 layout), which the L4 pseudo-header uses.
      if (info.type == IPPROTO_ROUTING && body[1] != 0 && body.size() >= 22) {
        std::copy(body.end() - 16, body.end(), payload.dst.bytes.begin());
      }
      ip.ext_headers.push_back(info);
    }
    ip.protocol = next;
    ip.header_length = ext.pos() - pos;
    payload.start = ext.pos();
    out_->ip.push_back(std::move(ip));
    if (later_fragment) return Payload(payload.start, payload.end);
    Upper(next, payload, depth);
  }

 private:
  // Checks a header's length field against the bytes present.
  IpPayload Clip(const char* layer, size_t pos, size_t length, size_t end) {
    IpPayload p{};
    p.end = pos + length;
    if (p.end > end) {
      AddProblem(layer, pos,
                 absl::StrCat("length ", length, " but ", end - pos,
                              " bytes present"));
      out_->truncated = true;
      p.end = end;
      p.clipped = true;
    }
    return p;
  }

  void Upper(uint8_t protocol, const IpPayload& p, int depth) {
    switch (protocol) {
      case IPPROTO_IPIP:
        return Ip(4, p.start, p.end, depth + 1);
      case IPPROTO_IPV6:
        return Ip(6, p.start, p.end, depth + 1);
      case IPPROTO_TCP:
        return Tcp(p);
      case IPPROTO_UDP:
        return Udp(p);
      case IPPROTO_ICMP:
        return Icmp(p, false);
      case IPPROTO_ICMPV6:
        return Icmp(p, true);
      default:
        return Payload(p.start, p.end);
    }
  }

  // Whether the L4 checksum over the whole segment [start, end) verifies.
  bool L4ChecksumOk(const IpPayload& p, uint8_t protocol) const {
    if (p.clipped) return false;
    return L4Checksum(p.src, p.dst, protocol,
                      data_.subspan(p.start, p.end - p.start)) == 0;
  }

  void Tcp(const IpPayload& p) {
    Reader r(data_, p.start, p.end);
    L4Info& l4 = out_->l4;
    l4.protocol = L4Protocol::kTcp;
    l4.offset = p.start;
    uint8_t data_offset;
    uint16_t urgent;
    if (!r.U16(&l4.src_port) || !r.U16(&l4.dst_port) || !r.U32(&l4.seq) ||
        !r.U32(&l4.ack_seq) || !r.U8(&data_offset) || !r.U8(&l4.tcp_flags) ||
        !r.U16(&l4.window) || !r.U16(&l4.checksum) || !r.U16(&urgent)) {
      return Truncated("tcp", p.start);
    }
    l4.tcp_header_length = (data_offset >> 4) * 4u;
    if (l4.tcp_header_length < 20) {
      return Stop("tcp", p.start, "data offset below 5");
    }
    if (!r.Bytes(l4.tcp_header_length - 20, &l4.tcp_options)) {
      return Truncated("tcp", p.start);
    }
    l4.checksum_ok = L4ChecksumOk(p, IPPROTO_TCP);
    Payload(r.pos(), p.end);
  }

  void Udp(const IpPayload& p) {
    Reader r(data_, p.start, p.end);
    L4Info& l4 = out_->l4;
    l4.protocol = L4Protocol::kUdp;
    l4.offset = p.start;
    if (!r.U16(&l4.src_port) || !r.U16(&l4.dst_port) ||
        !r.U16(&l4.udp_length) || !r.U16(&l4.checksum)) {
      return Truncated("udp", p.start);
    }
    if (!p.clipped && l4.udp_length != p.end - p.start) {
      AddProblem("udp", p.start,
                 absl::StrCat("length ", l4.udp_length, " but IP carries ",
                              p.end - p.start));
    }
    // Zero means "no checksum", allowed over IPv4 only (RFC 768, 8200).
    l4.checksum_ok = (l4.checksum == 0 && p.src.is_v4()) ||
                     (l4.checksum != 0 && L4ChecksumOk(p, IPPROTO_UDP));
    Payload(r.pos(), p.end);
  }

  void Icmp(const IpPayload& p, bool v6) {
    const char* layer = v6 ? "icmpv6" : "icmp";
    Reader r(data_, p.start, p.end);
    L4Info& l4 = out_->l4;
    l4.protocol = v6 ? L4Protocol::kIcmpv6 : L4Protocol::kIcmp;
    l4.offset = p.start;
    uint32_t rest;
    if (!r.U8(&l4.type) || !r.U8(&l4.code) || !r.U16(&l4.checksum) ||
        !r.U32(&rest)) {
      return Truncated(layer, p.start);
    }
    if (v6) {
      l4.checksum_ok = L4ChecksumOk(p, IPPROTO_ICMPV6);
    } else {
      l4.checksum_ok = !p.clipped && InternetChecksum(data_.subspan(
                                         p.start, p.end - p.start)) == 0;
    }
    bool error;
    if (v6) {
      error = l4.type < 128;  // RFC 4443 2.1: error types are 0-127
      if (l4.type == ICMP6_PACKET_TOO_BIG) l4.mtu = rest;
      if (l4.type == ICMP6_ECHO_REQUEST || l4.type == ICMP6_ECHO_REPLY) {
        SetEcho(rest);
      }
    } else {
      error = l4.type == ICMP_DEST_UNREACH || l4.type == ICMP_SOURCE_QUENCH ||
              l4.type == ICMP_REDIRECT || l4.type == ICMP_TIME_EXCEEDED ||
              l4.type == ICMP_PARAMETERPROB;
      if (l4.type == ICMP_DEST_UNREACH && l4.code == ICMP_FRAG_NEEDED) {
        l4.mtu = rest & 0xffff;
      }
      if (l4.type == ICMP_ECHO || l4.type == ICMP_ECHOREPLY) SetEcho(rest);
    }
    if (error) {
      l4.inner = std::make_shared<const ParsedPacket>(
          ParseIpPacket(data_.subspan(r.pos(), p.end - r.pos())));
    }
    Payload(r.pos(), p.end);
  }

  void SetEcho(uint32_t rest) {
    out_->l4.echo_id = static_cast<uint16_t>(rest >> 16);
    out_->l4.echo_seq = static_cast<uint16_t>(rest);
  }

  void Arp(size_t pos) {
    Reader r(data_, pos, data_.size());
    ArpInfo arp;
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    if (!r.U16(&htype) || !r.U16(&ptype) || !r.U8(&hlen) || !r.U8(&plen) ||
        !r.U16(&arp.op)) {
      return Truncated("arp", pos);
    }
    if (htype != 1 || ptype != ETH_P_IP || hlen != ETH_ALEN || plen != 4) {
      return Stop("arp", pos, "not IPv4 over Ethernet");
    }
    IpAddress sender, target;
    if (!r.Mac(&arp.sender_mac) || !r.Address(AF_INET, &sender) ||
        !r.Mac(&arp.target_mac) || !r.Address(AF_INET, &target)) {
      return Truncated("arp", pos);
    }
    arp.sender_ip = sender.ToString();
    arp.target_ip = target.ToString();
    out_->arp = std::move(arp);
    Payload(r.pos(), data_.size());
  }

  void Payload(size_t start, size_t end) {
    out_->payload_offset = start;
    out_->payload.assign(data_.begin() + start, data_.begin() + end);
  }

  void AddProblem(const char* layer, size_t pos, absl::string_view what) {
    if (!out_->problem.empty()) out_->problem += "; ";
    absl::StrAppend(&out_->problem, layer, "@", pos, ": ", what);
  }

  void Stop(const char* layer, size_t pos, absl::string_view what) {
    AddProblem(layer, pos, what);
    out_->stopped_at = layer;
    out_->stopped_offset = pos;
  }

  void Truncated(const char* layer, size_t pos) {
    out_->truncated = true;
    Stop(layer, pos, "header truncated");
  }

  absl::Span<const uint8_t> data_;
  ParsedPacket* out_;
};

// The L4 line of DebugString: the fields that protocol has.
std::string L4Debug(const L4Info& l4) {
  std::string fields;
  switch (l4.protocol) {
    case L4Protocol::kNone:
      return "";
    case L4Protocol::kTcp:
      fields = absl::StrFormat("tcp %d > %d flags 0x%02x seq %u ack %u win %d",
                               l4.src_port, l4.dst_port, l4.tcp_flags, l4.seq,
                               l4.ack_seq, l4.window);
      break;
    case L4Protocol::kUdp:
      fields = absl::StrFormat("udp %d > %d len %d", l4.src_port, l4.dst_port,
                               l4.udp_length);
      break;
    case L4Protocol::kIcmp:
    case L4Protocol::kIcmpv6:
      fields =
          absl::StrFormat("%s type %d code %d id %d seq %d mtu %u",
                          l4.protocol == L4Protocol::kIcmp ? "icmp" : "icmpv6",
                          l4.type, l4.code, l4.echo_id, l4.echo_seq, l4.mtu);
      break;
  }
  return absl::StrCat(fields, " csum ", l4.checksum_ok ? "ok" : "BAD");
}

void AppendDebug(const ParsedPacket& p, const std::string& indent,
                 std::string* out) {
  if (p.eth) {
    absl::StrAppend(out, indent, "eth ", p.eth->src.ToString(), " > ",
                    p.eth->dst.ToString(), " vlans [",
                    absl::StrJoin(p.eth->vlan_ids, ","), "] type ",
                    absl::StrFormat("0x%04x", p.eth->ethertype), "\n");
  }
  if (p.arp) {
    absl::StrAppend(out, indent, "arp op ", p.arp->op, " ",
                    p.arp->sender_mac.ToString(), " ", p.arp->sender_ip, " > ",
                    p.arp->target_mac.ToString(), " ", p.arp->target_ip, "\n");
  }
  for (const IpInfo& ip : p.ip) {
    absl::StrAppend(out, indent, "ipv", ip.version, " ", ip.src, " > ", ip.dst,
                    " proto ", ip.protocol, " ttl ", ip.ttl, " len ",
                    ip.total_length, " hdr ", ip.header_length,
                    ip.is_fragment
                        ? absl::StrCat(" frag off ", ip.frag_offset,
                                       ip.more_fragments ? " MF" : "")
                        : "",
                    " csum ", ip.checksum_ok ? "ok" : "BAD", "\n");
  }
  const L4Info& l4 = p.l4;
  if (l4.protocol != L4Protocol::kNone) {
    absl::StrAppend(out, indent, L4Debug(l4), "\n");
  }
  if (l4.inner) {
    absl::StrAppend(out, indent, "inner:\n");
    AppendDebug(*l4.inner, indent + "  ", out);
  }
  absl::StrAppend(out, indent, "payload ", p.payload.size(), " bytes\n");
  if (!p.ok()) absl::StrAppend(out, indent, "problem: ", p.problem, "\n");
}

}  // namespace

bool ParsedPacket::checksums_ok() const {
  for (const IpInfo& layer : ip) {
    if (!layer.checksum_ok) return false;
  }
  return l4.protocol == L4Protocol::kNone || l4.checksum_ok;
}

std::string ParsedPacket::DebugString() const {
  std::string out;
  AppendDebug(*this, "", &out);
  return out;
}

ParsedPacket ParsePacket(absl::Span<const uint8_t> frame) {
  ParsedPacket p;
  Parser(frame, &p).Ethernet();
  return p;
}

ParsedPacket ParseIpPacket(absl::Span<const uint8_t> packet) {
  ParsedPacket p;
  Parser(packet, &p).Ip(0, 0, packet.size(), 0);
  return p;
}

}  // namespace sluice::testing
