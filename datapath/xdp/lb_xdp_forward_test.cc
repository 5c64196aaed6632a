// The XDP load balancer under BPF_PROG_TEST_RUN: blacklists, generations,
// a new flow and its encapsulation, the connection table.
// The world (wire, VIPs, backends, fixture): lb_xdp_forward_test_world.h.
#include "datapath/xdp/lb_xdp_forward_test_world.h"

namespace sluice::testing {
namespace {

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

}  // namespace
}  // namespace sluice::testing
