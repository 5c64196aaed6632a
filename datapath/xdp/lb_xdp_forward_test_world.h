// The world of the XDP load balancer's forwarding tests (lb_xdp_forward_test.cc,
// lb_xdp_vip_test.cc): the wire (router, LB, next hops), clients, VIPs and
// backends, frame builders, and the fixture that loads lb_xdp with them.
#pragma once

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/packet/packet_builder.h"
#include "base/packet/packet_parser.h"
#include "datapath/xdp/lb_xdp_fixture.h"
#include "gtest/gtest.h"

namespace sluice::testing {

using Bytes = std::vector<uint8_t>;

// The wire: a router (or client) in front of the LB, the LB, and the next
// hops toward each backend.
const MacAddr kRouterMac("02:00:00:00:00:01");
const MacAddr kLbMac("02:00:00:00:00:aa");
const MacAddr kHopMac1("02:00:00:00:01:01");
const MacAddr kHopMac2("02:00:00:00:01:02");
const MacAddr kHopMac3("02:00:00:00:01:03");

const IpAddress kClient4("192.0.2.1");
const IpAddress kClient6("2001:db8:c::1");
const IpAddress kOther4("198.51.100.7");  // not a VIP
const IpAddress kRouter4("192.0.2.254");  // sends ICMP errors
const IpAddress kRouter6("2001:db8:c::fe");
const IpAddress kVip4("203.0.113.10");
const IpAddress kVip6("2001:db8:f::10");

// Backends: ids 1-3 are IPv4 reals, 11-13 IPv6 reals.
struct BackendDef {
  uint32_t id;
  IpAddress addr;
  MacAddr next_hop;
};
const BackendDef kBackends[] = {
    {1, "10.1.0.1", kHopMac1},   {2, "10.1.0.2", kHopMac2},
    {3, "10.1.0.3", kHopMac3},   {11, "fd00:1::1", kHopMac1},
    {12, "fd00:1::2", kHopMac2}, {13, "fd00:1::3", kHopMac3},
};

constexpr size_t kEthLen = 14;
constexpr size_t kVlanLen = 4;
constexpr size_t kIpv4Len = 20;
constexpr size_t kIpv6Len = 40;
constexpr uint16_t kEthPIp = 0x0800;
constexpr uint16_t kEthPIpv6 = 0x86dd;
constexpr uint8_t kSynAck = TcpFlags::kSyn | TcpFlags::kAck;
constexpr uint8_t kRecordRoute[] = {7, 7, 4, 0, 0, 0, 0};

inline PacketBuilder FromRouter() { return PacketBuilder().Eth(kRouterMac, kLbMac); }

// Builds Eth / IPv4-or-IPv6 (by address family) from `src` to `dst`.
inline PacketBuilder IpFrame(const IpAddress& src, const IpAddress& dst) {
  PacketBuilder b = FromRouter();
  return src.is_v4() ? b.Ipv4(src, dst) : b.Ipv6(src, dst);
}

inline Bytes Tcp(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                 uint16_t dport, uint8_t flags = TcpFlags::kSyn) {
  return IpFrame(src, dst).Tcp(sport, dport, flags).Payload("hello").Build();
}

inline Bytes Udp(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                 uint16_t dport) {
  return IpFrame(src, dst).Udp(sport, dport).Payload("query").Build();
}

inline Bytes Tail(const Bytes& b, size_t from) {
  return Bytes(b.begin() + from, b.end());
}

// Whether the address `text` (as the parser gives it) lies in prefix/len.
inline bool InPrefix(const std::string& text, const IpAddress& prefix, int len) {
  const IpAddress addr(text);
  if (addr.family != prefix.family) return false;
  for (int bit = 0; bit < len; ++bit) {
    uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((addr.bytes[bit / 8] & mask) != (prefix.bytes[bit / 8] & mask)) {
      return false;
    }
  }
  return true;
}

class LbXdpForwardTest : public LbXdpTest {
 protected:
  static constexpr uint32_t kSmallRing = 13;
  static constexpr uint32_t kBigRing = 251;

  void SetUp() override {
    LbXdpTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const BackendDef& b : kBackends) PutBackend(b.id, b.addr, b.next_hop);
  }

  // Where VIP `vip_id`'s Maglev table lives in ring_pool.
  static uint32_t RingOffset(uint32_t vip_id) { return vip_id * 256; }

  // Adds VIP `vip_id` at addr:port/proto to generation `gen`, with a table of
  // `ring_size` entries naming `backends` in turn.
  void AddVip(uint32_t vip_id, const IpAddress& addr, uint16_t port,
              uint8_t proto, const std::vector<uint32_t>& backends,
              uint32_t ring_size = kSmallRing, uint32_t flags = 0,
              uint32_t gen = 0) {
    FillRing(RingOffset(vip_id), ring_size, backends);
    PutVip(gen, addr, port, proto,
           VipMeta(vip_id, RingOffset(vip_id), ring_size, flags));
    // As lbd does: the address marker of every address with a VIP.
    PutVip(gen, addr, 0, 0, sluice_vip_meta{});
  }

  // Points every entry of VIP `vip_id`'s table at `backend_id`.
  void RewriteRing(uint32_t vip_id, uint32_t ring_size, uint32_t backend_id) {
    FillRing(RingOffset(vip_id), ring_size, {backend_id});
  }

  // The backend an encapsulated frame goes to, by its outer destination
  // (0 when none matches). Also checks the frame's MACs fit that backend.
  static uint32_t BackendOf(const XdpRun& r) {
    if (r.verdict != XDP_TX) return 0;
    ParsedPacket p = ParsePacket(r.out);
    if (p.ip.empty() || !p.eth) return 0;
    for (const BackendDef& b : kBackends) {
      if (IpAddress(p.ip[0].dst) == b.addr) {
        EXPECT_EQ(p.eth->dst, b.next_hop) << "backend " << b.id;
        return b.id;
      }
    }
    return 0;
  }
};

}  // namespace sluice::testing
