// The XDP load balancer under BPF_PROG_TEST_RUN: blacklists, generations,
// VIP matching, connection table and Maglev choice, encapsulation, ICMP
// errors about VIP flows, and the drops a VIP packet can meet.
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
namespace {

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

PacketBuilder FromRouter() { return PacketBuilder().Eth(kRouterMac, kLbMac); }

// Builds Eth / IPv4-or-IPv6 (by address family) from `src` to `dst`.
PacketBuilder IpFrame(const IpAddress& src, const IpAddress& dst) {
  PacketBuilder b = FromRouter();
  return src.is_v4() ? b.Ipv4(src, dst) : b.Ipv6(src, dst);
}

Bytes Tcp(const IpAddress& src, uint16_t sport, const IpAddress& dst,
          uint16_t dport, uint8_t flags = TcpFlags::kSyn) {
  return IpFrame(src, dst).Tcp(sport, dport, flags).Payload("hello").Build();
}

Bytes Udp(const IpAddress& src, uint16_t sport, const IpAddress& dst,
          uint16_t dport) {
  return IpFrame(src, dst).Udp(sport, dport).Payload("query").Build();
}

Bytes Tail(const Bytes& b, size_t from) {
  return Bytes(b.begin() + from, b.end());
}

// Whether the address `text` (as the parser gives it) lies in prefix/len.
bool InPrefix(const std::string& text, const IpAddress& prefix, int len) {
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

// ---------------------------------------------------------------------------
// Blacklists.

TEST_F(LbXdpForwardTest, ArpFromBlacklistedSenderIsDropped) {
  BlacklistArp(0, "192.0.2.66");
  auto arp = [](const IpAddress& sender, const IpAddress& target) {
    return FromRouter()
        .Arp(ArpOp::kRequest, kRouterMac, sender, {}, target)
        .Build();
  };

  XdpRun bad = Run(arp("192.0.2.66", "192.0.2.254"));
  EXPECT_EQ(bad.verdict, XDP_DROP);
  EXPECT_EQ(DropReasons(bad.delta), "arp_blacklist");
  EXPECT_EQ(Moved(bad.delta), "rx arp");

  for (const Bytes& ok : {arp("192.0.2.67", "192.0.2.254"),
                          arp("192.0.2.254", "192.0.2.66")}) {  // target only
    XdpRun r = Run(ok);
    EXPECT_EQ(r.verdict, XDP_PASS);
    EXPECT_EQ(r.out, ok);
    EXPECT_EQ(DropReasons(r.delta), "");
  }
}

TEST_F(LbXdpForwardTest, SourceInsideABlacklistedPrefixIsDropped) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  AddVip(2, kVip6, 80, IPPROTO_TCP, {11});
  BlacklistPrefix(0, "198.18.0.0", 15);
  BlacklistPrefix(0, "192.0.2.99", 32);
  BlacklistPrefix(0, "2001:db8:bad::", 48);

  struct Case {
    IpAddress src;
    IpAddress dst;
    std::string drop_reason;  // "" when the packet goes on
  };
  const Case cases[] = {
      {"198.18.0.1", kOther4, "src_blacklist_v4"},
      {"198.19.255.255", kOther4, "src_blacklist_v4"},
      {"198.19.255.255", kVip4, "src_blacklist_v4"},  // before the VIP
      {"192.0.2.99", kOther4, "src_blacklist_v4"},
      {"198.20.0.1", kOther4, ""},
      {"198.17.255.255", kOther4, ""},
      {"192.0.2.98", kOther4, ""},
      {"198.20.0.1", kVip4, ""},
      {"2001:db8:bad::1", "2001:db8:5::7", "src_blacklist_v6"},
      {"2001:db8:bad:ffff::1", kVip6, "src_blacklist_v6"},
      {"2001:db8:bae::1", "2001:db8:5::7", ""},
      {"2001:db8:bae::1", kVip6, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.src.ToString(), " -> ", c.dst.ToString()));
    Bytes in = Tcp(c.src, 40000, c.dst, 80);
    XdpRun r = Run(in);
    EXPECT_EQ(DropReasons(r.delta), c.drop_reason);
    if (!c.drop_reason.empty()) {
      EXPECT_EQ(r.verdict, XDP_DROP);
    } else if (c.dst == kVip4 || c.dst == kVip6) {
      EXPECT_EQ(r.verdict, XDP_TX);
    } else {
      EXPECT_EQ(r.verdict, XDP_PASS);
      EXPECT_EQ(r.out, in);
    }
  }
  EXPECT_EQ(VipCounter(1).packets, 1u) << "a blacklisted packet reached a VIP";
  EXPECT_EQ(VipCounter(2).packets, 1u) << "a blacklisted packet reached a VIP";
}

TEST_F(LbXdpForwardTest, SlashZeroBlacklistsEverySourceOfItsFamily) {
  BlacklistPrefix(0, "0.0.0.0", 0);
  XdpRun v4 = Run(Tcp("1.2.3.4", 1, kOther4, 80));
  EXPECT_EQ(v4.verdict, XDP_DROP);
  EXPECT_EQ(DropReasons(v4.delta), "src_blacklist_v4");
  XdpRun v6 = Run(Tcp(kClient6, 1, "2001:db8:5::7", 80));
  EXPECT_EQ(v6.verdict, XDP_PASS) << "an IPv4 /0 blocked IPv6";
  XdpRun arp =
      Run(FromRouter()
              .Arp(ArpOp::kRequest, kRouterMac, "1.2.3.4", {}, kRouter4)
              .Build());
  EXPECT_EQ(arp.verdict, XDP_PASS) << "the prefix blacklist applied to ARP";

  BlacklistPrefix(0, "::", 0);
  v6 = Run(Tcp(kClient6, 1, "2001:db8:5::7", 80));
  EXPECT_EQ(v6.verdict, XDP_DROP);
  EXPECT_EQ(DropReasons(v6.delta), "src_blacklist_v6");
}

// ---------------------------------------------------------------------------
// Generations: the atomic-commit mechanism at the datapath level.

TEST_F(LbXdpForwardTest, InactiveGenerationHasNoEffectUntilTheWordFlips) {
  // A whole commit written into generation 1 while packets use 0.
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1}, kSmallRing, 0, /*gen=*/1);
  BlacklistPrefix(1, "198.18.0.0", 15);
  BlacklistArp(1, "192.0.2.66");
  const Bytes to_vip = Tcp(kClient4, 40000, kVip4, 80);
  const Bytes from_bad = Tcp("198.18.0.1", 40000, kOther4, 80);
  const Bytes bad_arp =
      FromRouter()
          .Arp(ArpOp::kRequest, kRouterMac, "192.0.2.66", {}, kRouter4)
          .Build();

  for (const Bytes& in : {to_vip, from_bad, bad_arp}) {
    XdpRun r = Run(in);
    EXPECT_EQ(r.verdict, XDP_PASS) << "generation 1 leaked into generation 0";
    EXPECT_EQ(r.out, in);
  }

  SetGeneration(1);
  EXPECT_EQ(Run(to_vip).verdict, XDP_TX);
  XdpRun r = Run(from_bad);
  EXPECT_EQ(r.verdict, XDP_DROP);
  EXPECT_EQ(DropReasons(r.delta), "src_blacklist_v4");
  r = Run(bad_arp);
  EXPECT_EQ(r.verdict, XDP_DROP);
  EXPECT_EQ(DropReasons(r.delta), "arp_blacklist");

  // Flipping back restores the old state as a whole.
  SetGeneration(0);
  for (const Bytes& in : {to_vip, from_bad, bad_arp}) {
    EXPECT_EQ(Run(in).verdict, XDP_PASS);
  }
}

// ---------------------------------------------------------------------------
// A new flow and its encapsulation.

TEST_F(LbXdpForwardTest, NewTcpV4FlowIsEncapsulatedInIpipToItsBackend) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  const Bytes in = Tcp(kClient4, 40000, kVip4, 80);

  XdpRun r = Run(in);
  ASSERT_EQ(r.verdict, XDP_TX);
  ASSERT_EQ(r.out.size(), in.size() + kIpv4Len);
  ParsedPacket p = ParsePacket(r.out);
  EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
  ASSERT_TRUE(p.eth.has_value());
  EXPECT_EQ(p.eth->src, kLbMac) << "source MAC is not the input's destination";
  EXPECT_EQ(p.eth->dst, kHopMac1);
  EXPECT_TRUE(p.eth->vlan_ids.empty());
  EXPECT_EQ(p.eth->ethertype, kEthPIp);
  ASSERT_EQ(p.ip.size(), 2u);
  const IpInfo& outer = p.ip[0];
  EXPECT_EQ(outer.version, 4);
  EXPECT_EQ(outer.protocol, IPPROTO_IPIP);
  EXPECT_EQ(IpAddress(outer.dst), IpAddress("10.1.0.1"));
  EXPECT_TRUE(InPrefix(outer.src, kEncapSrcV4, 24)) << outer.src;
  EXPECT_TRUE(outer.checksum_ok);
  EXPECT_EQ(outer.ttl, 64);
  EXPECT_EQ(outer.header_length, kIpv4Len);
  EXPECT_EQ(outer.total_length, in.size() - kEthLen + kIpv4Len);
  EXPECT_FALSE(outer.is_fragment);
  EXPECT_EQ(Tail(r.out, kEthLen + kIpv4Len), Tail(in, kEthLen))
      << "the inner packet changed";

  EXPECT_EQ(ConntrackBackend(FlowKey(kClient4, 40000, kVip4, 80, IPPROTO_TCP)),
            1u);
  EXPECT_EQ(Moved(r.delta), "rx ipv4 tcp ct_miss");
  EXPECT_EQ(Verdicts(r.delta), "tx");
  EXPECT_EQ(r.delta.verdicts[XDP_TX].bytes, r.out.size());
  EXPECT_EQ(VipCounter(1).packets, 1u);
  EXPECT_EQ(VipCounter(1).bytes, in.size());
  EXPECT_EQ(BackendCounter(1).packets, 1u);
  EXPECT_EQ(BackendCounter(1).bytes, in.size());
}

TEST_F(LbXdpForwardTest, OuterSourceVariesWithTheFlow) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  std::set<std::string> sources;
  for (uint16_t port = 1000; port < 1032; ++port) {
    XdpRun r = Run(Tcp(kClient4, port, kVip4, 80));
    ParsedPacket p = ParsePacket(r.out);
    ASSERT_EQ(p.ip.size(), 2u);
    EXPECT_TRUE(InPrefix(p.ip[0].src, kEncapSrcV4, 24)) << p.ip[0].src;
    sources.insert(p.ip[0].src);
  }
  EXPECT_GT(sources.size(), 8u) << "outer sources do not spread flows";
}

TEST_F(LbXdpForwardTest, Ipv6VipToIpv6BackendIsIp6ip6) {
  AddVip(1, kVip6, 443, IPPROTO_TCP, {11});
  const Bytes in = Tcp(kClient6, 40000, kVip6, 443);

  XdpRun r = Run(in);
  ASSERT_EQ(r.verdict, XDP_TX);
  ASSERT_EQ(r.out.size(), in.size() + kIpv6Len);
  ParsedPacket p = ParsePacket(r.out);
  EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
  ASSERT_TRUE(p.eth.has_value());
  EXPECT_EQ(p.eth->src, kLbMac);
  EXPECT_EQ(p.eth->dst, kHopMac1);
  EXPECT_EQ(p.eth->ethertype, kEthPIpv6);
  ASSERT_EQ(p.ip.size(), 2u);
  const IpInfo& outer = p.ip[0];
  EXPECT_EQ(outer.version, 6);
  EXPECT_EQ(outer.next_header, IPPROTO_IPV6);
  EXPECT_EQ(IpAddress(outer.dst), IpAddress("fd00:1::1"));
  EXPECT_TRUE(InPrefix(outer.src, kEncapSrcV6, 112)) << outer.src;
  EXPECT_NE(outer.flow_label, 0u);
  EXPECT_EQ(outer.ttl, 64);
  EXPECT_EQ(outer.total_length, kIpv6Len + (in.size() - kEthLen))
      << "payload length is not the inner packet's length";
  EXPECT_EQ(Tail(r.out, kEthLen + kIpv6Len), Tail(in, kEthLen));
  EXPECT_EQ(Moved(r.delta), "rx ipv6 tcp ct_miss");
  EXPECT_EQ(ConntrackBackend(FlowKey(kClient6, 40000, kVip6, 443, IPPROTO_TCP)),
            11u);
}

TEST_F(LbXdpForwardTest, Ipv4VipToIpv6BackendIsIpv4InIpv6) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {12});
  const Bytes in = Tcp(kClient4, 40000, kVip4, 80);

  XdpRun r = Run(in);
  ASSERT_EQ(r.verdict, XDP_TX);
  ASSERT_EQ(r.out.size(), in.size() + kIpv6Len);
  ParsedPacket p = ParsePacket(r.out);
  EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
  ASSERT_TRUE(p.eth.has_value());
  EXPECT_EQ(p.eth->dst, kHopMac2);
  EXPECT_EQ(p.eth->ethertype, kEthPIpv6);
  ASSERT_EQ(p.ip.size(), 2u);
  EXPECT_EQ(p.ip[0].version, 6);
  EXPECT_EQ(p.ip[0].next_header, IPPROTO_IPIP);
  EXPECT_EQ(IpAddress(p.ip[0].dst), IpAddress("fd00:1::2"));
  EXPECT_TRUE(InPrefix(p.ip[0].src, kEncapSrcV6, 112)) << p.ip[0].src;
  EXPECT_EQ(p.ip[0].total_length, kIpv6Len + (in.size() - kEthLen));
  EXPECT_EQ(p.ip[1].version, 4);
  EXPECT_EQ(Tail(r.out, kEthLen + kIpv6Len), Tail(in, kEthLen));
}

TEST_F(LbXdpForwardTest, VlanTagsAreKeptInTheOutput) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  AddVip(2, kVip6, 80, IPPROTO_TCP, {13});
  struct Case {
    std::string name;
    Bytes in;
    std::vector<uint16_t> vlans;
    size_t outer_len;
  };
  const Case cases[] = {
      {"one tag, IPIP",
       FromRouter()
           .Vlan(100)
           .Ipv4(kClient4, kVip4)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Payload("hello")
           .Build(),
       {100},
       kIpv4Len},
      {"two tags, IPIP",
       FromRouter()
           .Vlan(100)
           .Vlan(200)
           .Ipv4(kClient4, kVip4)
           .Tcp(40001, 80, TcpFlags::kSyn)
           .Payload("hello")
           .Build(),
       {100, 200},
       kIpv4Len},
      {"one tag, IP6IP6",
       FromRouter()
           .Vlan(7)
           .Ipv6(kClient6, kVip6)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       {7},
       kIpv6Len},
      {"two tags, IP6IP6",
       FromRouter()
           .Vlan(7)
           .Vlan(8)
           .Ipv6(kClient6, kVip6)
           .Tcp(40001, 80, TcpFlags::kSyn)
           .Build(),
       {7, 8},
       kIpv6Len},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    XdpRun r = Run(c.in);
    ASSERT_EQ(r.verdict, XDP_TX);
    ParsedPacket p = ParsePacket(r.out);
    EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
    ASSERT_TRUE(p.eth.has_value());
    EXPECT_EQ(p.eth->vlan_ids, c.vlans);
    EXPECT_EQ(p.eth->src, kLbMac);
    EXPECT_EQ(p.eth->ethertype, c.outer_len == kIpv4Len ? kEthPIp : kEthPIpv6);
    ASSERT_EQ(p.ip.size(), 2u);
    EXPECT_NE(BackendOf(r), 0u);
    const size_t l2 = kEthLen + kVlanLen * c.vlans.size();
    EXPECT_EQ(Tail(r.out, l2 + c.outer_len), Tail(c.in, l2));
  }
}

TEST_F(LbXdpForwardTest, UdpVipIsLoadBalancedToo) {
  AddVip(1, kVip4, 53, IPPROTO_UDP, {2});
  AddVip(2, kVip6, 53, IPPROTO_UDP, {12});
  const Bytes in4 = Udp(kClient4, 5353, kVip4, 53);
  XdpRun r = Run(in4);
  ASSERT_EQ(r.verdict, XDP_TX);
  EXPECT_EQ(BackendOf(r), 2u);
  EXPECT_EQ(Moved(r.delta), "rx ipv4 udp ct_miss");
  EXPECT_EQ(Tail(r.out, kEthLen + kIpv4Len), Tail(in4, kEthLen));
  EXPECT_EQ(ConntrackBackend(FlowKey(kClient4, 5353, kVip4, 53, IPPROTO_UDP)),
            2u);

  const Bytes in6 = Udp(kClient6, 5353, kVip6, 53);
  r = Run(in6);
  ASSERT_EQ(r.verdict, XDP_TX);
  EXPECT_EQ(BackendOf(r), 12u);
  EXPECT_EQ(Tail(r.out, kEthLen + kIpv6Len), Tail(in6, kEthLen));

  // The protocol is part of the VIP: TCP to the UDP VIP's port is not ours.
  EXPECT_EQ(Run(Tcp(kClient4, 5353, kVip4, 53)).verdict, XDP_PASS);
}

// ---------------------------------------------------------------------------
// Connection table.

TEST_F(LbXdpForwardTest, EstablishedFlowKeepsItsBackendWhenTheRingChanges) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  const Bytes syn = Tcp(kClient4, 40000, kVip4, 80, TcpFlags::kSyn);
  const Bytes ack = Tcp(kClient4, 40000, kVip4, 80, TcpFlags::kAck);
  XdpRun first = Run(syn);
  ASSERT_EQ(BackendOf(first), 1u);

  // A commit points every entry at backend 2 (backend 1 drained or the
  // table rebuilt): the flow stays where it is, new flows go to 2.
  RewriteRing(1, kSmallRing, 2);
  XdpRun again = Run(ack);
  EXPECT_EQ(BackendOf(again), 1u);
  EXPECT_EQ(Moved(again.delta), "rx ipv4 tcp ct_hit");
  XdpRun fresh = Run(Tcp(kClient4, 40001, kVip4, 80));
  EXPECT_EQ(BackendOf(fresh), 2u);
  EXPECT_EQ(Moved(fresh.delta), "rx ipv4 tcp ct_miss");
  EXPECT_EQ(BackendCounter(1).packets, 2u);
  EXPECT_EQ(BackendCounter(2).packets, 1u);
}

TEST_F(LbXdpForwardTest, FlowOfARemovedBackendIsRepickedFromTheRing) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  const auto flow = FlowKey(kClient4, 40000, kVip4, 80, IPPROTO_TCP);
  ASSERT_EQ(BackendOf(Run(Tcp(kClient4, 40000, kVip4, 80))), 1u);

  // Backend 1 removed: its entry loses LIVE, the ring names backend 2.
  PutBackend(1, "10.1.0.1", kHopMac1, SLUICE_BACKEND_RESOLVED);
  RewriteRing(1, kSmallRing, 2);
  XdpRun r = Run(Tcp(kClient4, 40000, kVip4, 80, TcpFlags::kAck));
  EXPECT_EQ(BackendOf(r), 2u);
  EXPECT_EQ(Moved(r.delta), "rx ipv4 tcp ct_stale");
  EXPECT_EQ(ConntrackBackend(flow), 2u) << "the re-picked backend is not kept";

  r = Run(Tcp(kClient4, 40000, kVip4, 80, TcpFlags::kAck));
  EXPECT_EQ(BackendOf(r), 2u);
  EXPECT_EQ(Moved(r.delta), "rx ipv4 tcp ct_hit");
}

// ---------------------------------------------------------------------------
// VIP matching and Maglev choice.

TEST_F(LbXdpForwardTest, PortZeroVipMatchesEveryPortAndExactPortWins) {
  AddVip(1, kVip4, 0, IPPROTO_TCP, {1});
  AddVip(2, kVip4, 443, IPPROTO_TCP, {2});
  for (uint16_t port : {1, 80, 8080, 65535}) {
    SCOPED_TRACE(absl::StrCat("port ", port));
    EXPECT_EQ(BackendOf(Run(Tcp(kClient4, 40000, kVip4, port))), 1u);
  }
  EXPECT_EQ(BackendOf(Run(Tcp(kClient4, 40000, kVip4, 443))), 2u);
  EXPECT_EQ(VipCounter(1).packets, 4u);
  EXPECT_EQ(VipCounter(2).packets, 1u);
  // Port 0 covers ports, not protocols.
  EXPECT_EQ(Run(Udp(kClient4, 40000, kVip4, 80)).verdict, XDP_PASS);
}

TEST_F(LbXdpForwardTest, HashOnSourceSendsAClientToOneBackend) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1, 2, 3}, kBigRing,
         SLUICE_VIP_HASH_SOURCE);
  AddVip(2, kVip4, 81, IPPROTO_TCP, {1, 2, 3}, kBigRing);  // 5-tuple hash
  std::set<uint32_t> affinity, five_tuple;
  for (uint16_t port = 2000; port < 2040; ++port) {
    affinity.insert(BackendOf(Run(Tcp(kClient4, port, kVip4, 80))));
    five_tuple.insert(BackendOf(Run(Tcp(kClient4, port, kVip4, 81))));
  }
  EXPECT_EQ(affinity.size(), 1u) << "one client reached several backends";
  EXPECT_EQ(affinity.count(0), 0u);
  EXPECT_GT(five_tuple.size(), 1u) << "the control VIP spreads nothing";
}

TEST_F(LbXdpForwardTest, MaglevSpreadsFlowsOverEveryBackend) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1, 2, 3}, kBigRing);
  constexpr int kFlows = 300;
  std::map<uint32_t, uint64_t> seen;
  for (int i = 0; i < kFlows; ++i) {
    seen[BackendOf(
        Run(Tcp(kClient4, static_cast<uint16_t>(10000 + i), kVip4, 80)))]++;
  }
  EXPECT_EQ(seen.count(0), 0u) << "some flows reached no backend";
  for (uint32_t id : {1u, 2u, 3u}) {
    SCOPED_TRACE(absl::StrCat("backend ", id));
    EXPECT_GT(seen[id], kFlows / 10u);
    EXPECT_EQ(BackendCounter(id).packets, seen[id]);
  }
  EXPECT_EQ(VipCounter(1).packets, static_cast<uint64_t>(kFlows));
}

// ---------------------------------------------------------------------------
// ICMP errors about VIP flows (PMTU discovery).

// What a real sent from the VIP to the client, as an ICMP error quotes it:
// the IP header and the first 8 bytes of TCP.
Bytes RealsReply(const IpAddress& vip, uint16_t vport, const IpAddress& client,
                 uint16_t cport) {
  PacketBuilder b;
  (vip.is_v4() ? b.Ipv4(vip, client) : b.Ipv6(vip, client))
      .Tcp(vport, cport, kSynAck)
      .Payload("world");
  return b.Truncate((vip.is_v4() ? kIpv4Len : kIpv6Len) + 8).Build();
}

TEST_F(LbXdpForwardTest, IcmpFragNeededFollowsTheFlowToItsBackend) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1, 2, 3}, kBigRing);
  uint32_t backend = BackendOf(Run(Tcp(kClient4, 40000, kVip4, 80)));
  ASSERT_NE(backend, 0u);
  // A commit moves every new flow elsewhere: only the connection table
  // knows where this flow lives.
  uint32_t other = backend == 1 ? 2 : 1;
  RewriteRing(1, kBigRing, other);

  const Bytes error =
      IpFrame(kRouter4, kVip4)
          .IcmpFragNeeded(1400, RealsReply(kVip4, 80, kClient4, 40000))
          .Build();
  XdpRun r = Run(error);
  ASSERT_EQ(r.verdict, XDP_TX);
  EXPECT_EQ(BackendOf(r), backend);
  EXPECT_EQ(Moved(r.delta), "rx ipv4 icmp ct_hit icmp_error_to_vip");
  ParsedPacket p = ParsePacket(r.out);
  ASSERT_EQ(p.ip.size(), 2u);
  EXPECT_EQ(p.ip[0].protocol, IPPROTO_IPIP);
  EXPECT_TRUE(p.ip[0].checksum_ok);
  EXPECT_EQ(Tail(r.out, kEthLen + kIpv4Len), Tail(error, kEthLen));
  EXPECT_EQ(VipCounter(1).packets, 2u);
}

TEST_F(LbXdpForwardTest, Icmpv6PacketTooBigFollowsTheFlowToItsBackend) {
  AddVip(1, kVip6, 443, IPPROTO_TCP, {11, 12, 13}, kBigRing);
  uint32_t backend = BackendOf(Run(Tcp(kClient6, 40000, kVip6, 443)));
  ASSERT_NE(backend, 0u);
  RewriteRing(1, kBigRing, backend == 11 ? 12 : 11);

  const Bytes error =
      IpFrame(kRouter6, kVip6)
          .Icmpv6PacketTooBig(1280, RealsReply(kVip6, 443, kClient6, 40000))
          .Build();
  XdpRun r = Run(error);
  ASSERT_EQ(r.verdict, XDP_TX);
  EXPECT_EQ(BackendOf(r), backend);
  EXPECT_EQ(Moved(r.delta), "rx ipv6 icmpv6 ct_hit icmp_error_to_vip");
  ParsedPacket p = ParsePacket(r.out);
  ASSERT_EQ(p.ip.size(), 2u);
  EXPECT_EQ(p.ip[0].next_header, IPPROTO_IPV6);
  EXPECT_EQ(Tail(r.out, kEthLen + kIpv6Len), Tail(error, kEthLen));
}

TEST_F(LbXdpForwardTest, IcmpErrorBeforeAnyPacketPicksTheFlowsMaglevBackend) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1, 2, 3}, kBigRing);
  // Several flows, so that matching by chance (1 in 3 each) cannot pass.
  for (uint16_t cport = 40000; cport < 40008; ++cport) {
    SCOPED_TRACE(absl::StrCat("client port ", cport));
    const auto flow = FlowKey(kClient4, cport, kVip4, 80, IPPROTO_TCP);
    XdpRun err =
        Run(IpFrame(kRouter4, kVip4)
                .IcmpDestUnreachable(1, RealsReply(kVip4, 80, kClient4, cport))
                .Build());
    ASSERT_EQ(err.verdict, XDP_TX);
    EXPECT_EQ(Moved(err.delta), "rx ipv4 icmp ct_miss icmp_error_to_vip");
    EXPECT_FALSE(ConntrackBackend(flow).has_value())
        << "an ICMP error created a connection";
    EXPECT_EQ(BackendOf(Run(Tcp(kClient4, cport, kVip4, 80))), BackendOf(err));
  }
}

TEST_F(LbXdpForwardTest, IcmpErrorAboutANonVipFlowPasses) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  AddVip(2, kVip6, 443, IPPROTO_TCP, {11});
  const Bytes cases[] = {
      // About a flow of another server.
      IpFrame(kRouter4, kOther4)
          .IcmpFragNeeded(1400, RealsReply(kOther4, 80, kClient4, 40000))
          .Build(),
      // To the VIP address, about a port no VIP serves.
      IpFrame(kRouter4, kVip4)
          .IcmpFragNeeded(1400, RealsReply(kVip4, 8080, kClient4, 40000))
          .Build(),
      IpFrame(kRouter6, "2001:db8:5::7")
          .Icmpv6PacketTooBig(1280,
                              RealsReply("2001:db8:5::7", 443, kClient6, 40000))
          .Build(),
      // Not an error: an echo request to the VIP.
      IpFrame(kClient4, kVip4).IcmpEcho(1, 1).Build(),
  };
  for (const Bytes& in : cases) {
    XdpRun r = Run(in);
    EXPECT_EQ(r.verdict, XDP_PASS);
    EXPECT_EQ(r.out, in);
    EXPECT_EQ(r.delta.ctr[SLUICE_CTR_ICMP_ERROR_TO_VIP].packets, 0u);
  }
}

// ---------------------------------------------------------------------------
// Drops of VIP packets, each with its reason.

struct DropCase {
  std::string name;
  Bytes in;
  std::string drop_reason;
  std::string moved;
};

TEST_F(LbXdpForwardTest, VipFragmentsAndOptionsAreDropped) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  AddVip(2, kVip4, 0, IPPROTO_UDP, {1});
  AddVip(3, kVip6, 80, IPPROTO_TCP, {11});
  const DropCase cases[] = {
      {"IPv4 first fragment",
       IpFrame(kClient4, kVip4)
           .Fragment(0, true)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .PayloadOfSize(64)
           .Build(),
       "vip_fragment", "rx ipv4 tcp ip_fragment"},
      {"IPv4 later fragment to an every-port VIP",
       IpFrame(kClient4, kVip4)
           .Fragment(72, false)
           .IpProtocol(IPPROTO_UDP)
           .PayloadOfSize(64)
           .Build(),
       "vip_fragment", "rx ipv4 udp ip_fragment"},
      {"IPv6 first fragment",
       IpFrame(kClient6, kVip6)
           .Fragment(0, true)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .PayloadOfSize(64)
           .Build(),
       "vip_fragment", "rx ipv6 tcp ip_fragment ipv6_ext_headers"},
      {"IPv4 options",
       IpFrame(kClient4, kVip4)
           .Ipv4Options(kRecordRoute)
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       "vip_ip_options", "rx ipv4 tcp ipv4_options"},
      {"IPv6 hop-by-hop options",
       IpFrame(kClient6, kVip6)
           .HopByHop()
           .Tcp(40000, 80, TcpFlags::kSyn)
           .Build(),
       "vip_ip_options", "rx ipv6 tcp ipv6_ext_headers"},
  };
  for (const DropCase& c : cases) {
    SCOPED_TRACE(c.name);
    XdpRun r = Run(c.in);
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), c.drop_reason);
    EXPECT_EQ(Moved(r.delta), c.moved);
  }
  EXPECT_EQ(
      VipCounter(1).packets + VipCounter(2).packets + VipCounter(3).packets,
      0u);
}

TEST_F(LbXdpForwardTest, VipWithoutAUsableBackendDrops) {
  PutBackend(4, "10.1.0.4", kHopMac1, SLUICE_BACKEND_RESOLVED);    // removed
  PutBackend(5, "10.1.0.5", kHopMac1, SLUICE_BACKEND_LIVE);        // no MAC yet
  PutVip(0, kVip4, 1, IPPROTO_TCP, VipMeta(1, RingOffset(1), 0));  // no table
  AddVip(2, kVip4, 2, IPPROTO_TCP, {SLUICE_NO_BACKEND});
  AddVip(3, kVip4, 3, IPPROTO_TCP, {4});
  AddVip(4, kVip4, 4, IPPROTO_TCP, {5});
  const DropCase cases[] = {
      {"empty table", Tcp(kClient4, 40000, kVip4, 1), "vip_no_backend",
       "rx ipv4 tcp ct_miss"},
      {"table of SLUICE_NO_BACKEND", Tcp(kClient4, 40000, kVip4, 2),
       "vip_no_backend", "rx ipv4 tcp ct_miss"},
      {"table names a removed backend", Tcp(kClient4, 40000, kVip4, 3),
       "vip_no_backend", "rx ipv4 tcp ct_miss"},
      {"backend's next hop unresolved", Tcp(kClient4, 40000, kVip4, 4),
       "no_next_hop", "rx ipv4 tcp ct_miss"},
  };
  for (const DropCase& c : cases) {
    SCOPED_TRACE(c.name);
    XdpRun r = Run(c.in);
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), c.drop_reason);
    EXPECT_EQ(Moved(r.delta), c.moved);
  }
  for (uint32_t id = 1; id <= 4; ++id) EXPECT_EQ(VipCounter(id).packets, 0u);
}

TEST_F(LbXdpForwardTest, FrameThatWouldOutgrowMaxFrameLenDrops) {
  AddVip(1, kVip4, 80, IPPROTO_UDP, {1});
  AddVip(2, kVip6, 80, IPPROTO_UDP, {11});
  auto udp_frame = [](const IpAddress& src, const IpAddress& dst,
                      size_t frame_len) {
    size_t headers = kEthLen + (src.is_v4() ? kIpv4Len : kIpv6Len) + 8;
    return IpFrame(src, dst)
        .Udp(5000, 80)
        .PayloadOfSize(frame_len - headers)
        .Build();
  };
  struct Case {
    std::string name;
    Bytes in;
    uint32_t verdict;
  };
  const Case cases[] = {
      {"IPIP to exactly the limit",
       udp_frame(kClient4, kVip4, kTestMaxFrameLen - kIpv4Len), XDP_TX},
      {"IPIP one byte over",
       udp_frame(kClient4, kVip4, kTestMaxFrameLen - kIpv4Len + 1), XDP_DROP},
      {"IP6IP6 to exactly the limit",
       udp_frame(kClient6, kVip6, kTestMaxFrameLen - kIpv6Len), XDP_TX},
      {"IP6IP6 one byte over",
       udp_frame(kClient6, kVip6, kTestMaxFrameLen - kIpv6Len + 1), XDP_DROP},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    XdpRun r = Run(c.in);
    EXPECT_EQ(r.verdict, c.verdict);
    if (c.verdict == XDP_DROP) {
      EXPECT_EQ(DropReasons(r.delta), "vip_oversize");
    } else {
      EXPECT_EQ(r.out.size(), kTestMaxFrameLen);
    }
  }
}

// The IP header says the packet ends where the TCP header would start; the
// bytes after it are Ethernet padding, not ports to hash on.
TEST_F(LbXdpForwardTest, VipPacketWhoseTcpHeaderLiesOutsideTheIpPacketDrops) {
  AddVip(1, kVip4, 80, IPPROTO_TCP, {1});
  const Bytes in = IpFrame(kClient4, kVip4)
                       .IpLength(kIpv4Len)
                       .Tcp(40000, 80, TcpFlags::kSyn)
                       .Build();
  XdpRun r = Run(in);
  EXPECT_EQ(r.verdict, XDP_DROP);
  EXPECT_EQ(DropReasons(r.delta), "malformed_l4");
  EXPECT_FALSE(
      ConntrackBackend(FlowKey(kClient4, 40000, kVip4, 80, IPPROTO_TCP)))
      << "ports read from the Ethernet trailer made a connection";
}

// A later fragment carries no ports, so it can only match a VIP by address:
// through the address marker (port 0, proto 0) lbd keeps while any VIP lives
// on the address. Its first fragment drops as vip_fragment, and so does it.
TEST_F(LbXdpTest, LaterFragmentToAVipAddressIsDropped) {
  PutBackend(1, "10.1.0.1", "02:00:00:00:01:01");
  PutBackend(2, "fd00:1::1", "02:00:00:00:01:01");
  FillRing(0, 13, {1});
  FillRing(256, 13, {2});
  PutVip(0, kVip4, 80, IPPROTO_TCP, VipMeta(1, 0, 13));
  PutVip(0, kVip6, 80, IPPROTO_TCP, VipMeta(2, 256, 13));
  PutVip(0, kVip4, 0, 0, sluice_vip_meta{});
  PutVip(0, kVip6, 0, 0, sluice_vip_meta{});
  const std::vector<uint8_t> frames[] = {
      PacketBuilder()
          .Eth("02:00:00:00:00:01", "02:00:00:00:00:aa")
          .Ipv4(kClient4, kVip4)
          .Fragment(72, false)
          .IpProtocol(IPPROTO_TCP)
          .PayloadOfSize(64)
          .Build(),
      PacketBuilder()
          .Eth("02:00:00:00:00:01", "02:00:00:00:00:aa")
          .Ipv6(kClient6, kVip6)
          .Fragment(72, false)
          .IpProtocol(IPPROTO_TCP)
          .PayloadOfSize(64)
          .Build(),
  };
  for (const auto& frame : frames) {
    XdpRun r = Run(frame);
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), "vip_fragment");
  }
}

}  // namespace
}  // namespace sluice::testing
