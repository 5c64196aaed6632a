// The XDP load balancer under BPF_PROG_TEST_RUN: VIP matching and Maglev
// choice, ICMP errors about VIP flows, and the drops a VIP packet can meet.
// The world (wire, VIPs, backends, fixture): lb_xdp_forward_test_world.h.
#include "datapath/xdp/lb_xdp_forward_test_world.h"

namespace sluice::testing {
namespace {

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
