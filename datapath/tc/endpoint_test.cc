// The node datapath under BPF_PROG_TEST_RUN: malformed input, non-IP, interfaces without an
// endpoint, source checks, sampled events, neighbour discovery.
// The world (endpoint, services, policies, fixture): endpoint_test_world.h.
#include "datapath/tc/endpoint_test_world.h"

namespace sluice::testing {
namespace {

Bytes Patched(Bytes frame, size_t offset, uint8_t value) {
  frame[offset] = value;
  return frame;
}

TEST_F(NodeDatapathTest, MalformedPacketsDropOnBothProgramsUntouched) {
  struct Case {
    std::string name;
    bool v6;
    // Builds the bad frame of `f` from its Ethernet + IP layers.
    Bytes (*make)(PacketBuilder ip, const Flow& f);
    std::string reason;
  };
  constexpr size_t kTcp4 = kEthLen + kIpv4Len;  // offset of the TCP header
  const Case cases[] = {
      {"VLAN tag cut short", false,
       [](PacketBuilder ip, const Flow& f) {
         return WithL4(ip.Vlan(5).Truncate(kEthLen + 2), f, TcpFlags::kAck,
                       false);
       },
       "malformed_l2"},
      // Behind a VLAN tag: BPF_PROG_TEST_RUN refuses a frame whose EtherType
      // is IP and whose IP header is cut short.
      {"IPv4 header cut short", false,
       [](PacketBuilder ip, const Flow& f) {
         ip.Vlan(5).Truncate(kEthLen + kVlanLen + 10);
         return WithL4(ip, f, TcpFlags::kAck, false);
       },
       "malformed_l3"},
      {"IPv6 header cut short", true,
       [](PacketBuilder ip, const Flow& f) {
         ip.Vlan(5).Truncate(kEthLen + kVlanLen + 30);
         return WithL4(ip, f, TcpFlags::kAck, false);
       },
       "malformed_l3"},
      {"IPv4 total length beyond the frame", false,
       [](PacketBuilder ip, const Flow& f) {
         return WithL4(ip.IpLength(200), f, TcpFlags::kAck, false);
       },
       "malformed_l3"},
      {"IPv6 payload length beyond the frame", true,
       [](PacketBuilder ip, const Flow& f) {
         return WithL4(ip.IpLength(200), f, TcpFlags::kAck, false);
       },
       "malformed_l3"},
      {"IPv4 header length below 20", false,
       [](PacketBuilder ip, const Flow& f) {
         return Patched(WithL4(ip, f, TcpFlags::kAck, false), kEthLen, 0x44);
       },
       "malformed_l3"},
      {"TCP header cut short", false,
       [](PacketBuilder ip, const Flow& f) {
         ip.IpLength(kIpv4Len + 10).Truncate(kTcp4 + 10);
         return WithL4(ip, f, TcpFlags::kAck, false);
       },
       "malformed_l4"},
      {"TCP header beyond the IP length (the rest is padding)", false,
       [](PacketBuilder ip, const Flow& f) {
         return WithL4(ip.IpLength(kIpv4Len + 10), f, TcpFlags::kAck, false);
       },
       "malformed_l4"},
      {"TCP data offset below 5", false,
       [](PacketBuilder ip, const Flow& f) {
         return Patched(WithL4(ip, f, TcpFlags::kAck, false), kTcp4 + 12, 0x40);
       },
       "malformed_l4"},
  };
  // Established service connections: the valid packets of these flows
  // would be rewritten either way; malformed ones must not be.
  ASSERT_EQ(FromEndpoint(Sent(kToService)).verdict, kPass);
  ASSERT_EQ(FromEndpoint(Sent(kToService6)).verdict, kPass);
  auto expect_dropped = [](const TcRun& r, const Bytes& in,
                           const std::string& reason) {
    EXPECT_EQ(r.verdict, kShot);
    EXPECT_EQ(DropReasons(r.delta), reason);
    EXPECT_EQ(r.out, in) << "a malformed packet is never rewritten";
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Flow& sent = c.v6 ? kToService6 : kToService;
    const Flow reply = Reversed(c.v6 ? kToBackend6 : kToBackend);
    const Bytes from = c.make(FromWorkload(sent.src, sent.dst), sent);
    expect_dropped(FromEndpoint(from), from, c.reason);
    const Bytes to = c.make(ToWorkload(reply.src, reply.dst), reply);
    expect_dropped(ToEndpoint(to), to, c.reason);
  }
}

TEST_F(NodeDatapathTest, NonIpPasses) {
  const Bytes arp =
      PacketBuilder()
          .Eth(kWorkloadMac, "ff:ff:ff:ff:ff:ff")
          .Arp(ArpOp::kRequest, kWorkloadMac, kClient4, {}, kPeer4)
          .Build();
  TcRun from = FromEndpoint(arp);
  EXPECT_EQ(from.verdict, kPass);
  EXPECT_EQ(Moved(from.delta), "from_endpoint non_ip");
  TcRun to = ToEndpoint(arp);
  EXPECT_EQ(to.verdict, kPass);
  EXPECT_EQ(Moved(to.delta), "to_endpoint non_ip");
}

TEST_F(NodeDatapathTest, InterfaceWithoutEndpointPassesEverything) {
  RemoveEndpoint();
  const Bytes cases[] = {Sent(kToService), Delivered(Reversed(kToBackend))};
  for (const Bytes& in : cases) {
    for (const TcRun& r : {FromEndpoint(in), ToEndpoint(in)}) {
      EXPECT_EQ(r.verdict, kPass);
      EXPECT_EQ(r.out, in);
      EXPECT_EQ(Moved(r.delta), "not_endpoint");
    }
  }
}

// --- Source addresses --------------------------------------------------------

TEST_F(NodeDatapathTest, EndpointMaySendFromItsOwnAddressesOnly) {
  struct Case {
    Flow flow;
    uint32_t verdict;
  };
  const Case cases[] = {
      {kToPeer, kPass},
      {{"10.0.1.99", 40000, kPeer4, 443, IPPROTO_TCP}, kShot},
      {{kClient6, 40000, kPeer6, 443, IPPROTO_TCP}, kPass},
      {{"fd00:1::99", 40000, kPeer6, 443, IPPROTO_TCP}, kShot},
      {{"fe80::1234", 546, "fe80::1", 547, IPPROTO_UDP}, kPass},  // link-local
      {{"::", 546, "ff02::1:2", 547, IPPROTO_UDP}, kPass},        // unspecified
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Describe(c.flow));
    TcRun r = FromEndpoint(Sent(c.flow));
    EXPECT_EQ(r.verdict, c.verdict);
    EXPECT_EQ(DropReasons(r.delta), c.verdict == kShot ? "source_spoofed" : "");
  }
}

// --- Events ------------------------------------------------------------------

TEST_F(NodeDatapathTest, PolicyDropWritesOneEvent) {
  PutPolicy(kEgressPolicy, "10.0.3.0", 24, {Deny(113, IPPROTO_TCP, 443, 443)});
  SetPolicies(0, kEgressPolicy);
  ASSERT_EQ(FromEndpoint(Sent(kToPeer)).verdict, kShot);

  std::vector<sluice_event> events = TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  const sluice_event& e = events[0];
  EXPECT_EQ(e.type, SLUICE_EVENT_DROP);
  EXPECT_EQ(e.reason, SLUICE_DROP_POLICY_DENY);
  EXPECT_EQ(e.direction, SLUICE_EGRESS);
  EXPECT_EQ(e.endpoint_id, kEndpointId);
  EXPECT_EQ(e.ifindex, kTestIfindex);
  EXPECT_EQ(e.rule_id, 113u);
  EXPECT_EQ(e.suppressed, 0u);
  EXPECT_NE(e.time_ns, 0u);
  EXPECT_EQ(Describe(e.flow),
            Describe(FlowKey(kClient4, 40000, kPeer4, 443, IPPROTO_TCP)));
}

// Keeps the calling thread on the CPU it is on while in scope.
class PinnedToThisCpu {
 public:
  PinnedToThisCpu() {
    ok_ = sched_getaffinity(0, sizeof(saved_), &saved_) == 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    ok_ = ok_ && sched_setaffinity(0, sizeof(one), &one) == 0;
  }
  ~PinnedToThisCpu() { sched_setaffinity(0, sizeof(saved_), &saved_); }
  bool ok() const { return ok_; }

 private:
  cpu_set_t saved_;
  bool ok_ = false;
};

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Sleeps until CLOCK_MONOTONIC (the clock of bpf_ktime_get_ns) is past `ns`,
// polling it rather than trusting a sleep's length. Returns false when it
// did not get there within 10000 sleeps of 1 ms.
bool SleepUntilMonotonic(uint64_t ns) {
  for (int i = 0; i < 10000; ++i) {
    if (MonotonicNs() > ns) return true;
    const timespec ms{0, 1000000};
    nanosleep(&ms, nullptr);
  }
  return false;
}

// The most events one sampling window held. A window opens with the first
// event after the previous one closed and lasts SLUICE_EVENT_WINDOW_NS.
size_t MostEventsInAWindow(const std::vector<sluice_event>& events) {
  size_t most = 0, in_window = 0;
  uint64_t window_start = 0;
  for (const sluice_event& e : events) {
    if (in_window == 0 || e.time_ns - window_start > SLUICE_EVENT_WINDOW_NS) {
      window_start = e.time_ns;
      in_window = 0;
    }
    most = std::max(most, ++in_window);
  }
  return most;
}

TEST_F(NodeDatapathTest, EventFloodIsSampledAndTheNextEventCountsTheRest) {
  PutPolicy(kEgressPolicy, "10.0.3.0", 24, {Deny(114)});
  SetPolicies(0, kEgressPolicy);
  // The budget is per CPU: the flood (one BPF_PROG_TEST_RUN call, so one
  // CPU) and the packet after it must run on the same one.
  PinnedToThisCpu pinned;
  ASSERT_TRUE(pinned.ok()) << strerror(errno);
  constexpr uint32_t kFlood = 1000;
  const Bytes denied = Sent(kToPeer);

  TcRun flood = FromEndpoint(denied, kFlood);
  EXPECT_EQ(flood.verdict, kShot);
  EXPECT_EQ(flood.delta.drops[SLUICE_DROP_POLICY_DENY].packets, kFlood);
  std::vector<sluice_event> events = TakeEvents();
  ASSERT_FALSE(events.empty());
  const uint64_t sampled_out =
      flood.delta.ctr[SLUICE_NODE_CTR_EVENT_SAMPLED_OUT].packets;
  EXPECT_EQ(events.size(), flood.delta.ctr[SLUICE_NODE_CTR_EVENT_SENT].packets);
  EXPECT_EQ(events.size() + sampled_out, kFlood);
  EXPECT_LE(MostEventsInAWindow(events), SLUICE_EVENTS_PER_WINDOW);
  // 1000 runs take far less than the 31 windows (310 ms) they would need to
  // fit the budget unsampled.
  EXPECT_GT(sampled_out, 0u);

  ASSERT_TRUE(
      SleepUntilMonotonic(events.back().time_ns + 2 * SLUICE_EVENT_WINDOW_NS))
      << "CLOCK_MONOTONIC did not advance";
  ASSERT_EQ(FromEndpoint(denied).verdict, kShot);
  std::vector<sluice_event> next = TakeEvents();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_GT(next[0].suppressed, 0u);
  EXPECT_LE(next[0].suppressed, sampled_out);
}

// --- Neighbour discovery -----------------------------------------------------

TEST_F(NodeDatapathTest, NeighbourDiscoveryPassesDenyAllPolicies) {
  PutPolicy(kIngressPolicy, "::", 0, {Deny(115)});
  PutPolicy(kEgressPolicy, "::", 0, {Deny(116)});
  SetPolicies(kIngressPolicy, kEgressPolicy);
  const Bytes solicitation =
      ToWorkload("fe80::1", "ff02::1:ff00:2").Icmpv6(135, 0).Build();
  const Bytes advertisement =
      FromWorkload("fe80::2", "fe80::1").Icmpv6(136, 0, 0x60000000).Build();
  EXPECT_EQ(ToEndpoint(solicitation).verdict, kPass);
  EXPECT_EQ(FromEndpoint(advertisement).verdict, kPass);
  // Other ICMPv6 from the same neighbours is judged by the policy.
  EXPECT_EQ(ToEndpoint(ToWorkload("fe80::1", kClient6).Icmpv6Echo(1, 1).Build())
                .verdict,
            kShot);
}

// --- Found in review (each was a bug, fixed since) ----------------------------

// A packet with IP options to a service without backends cannot be turned
// into a reject; it drops with one reason, not two.
TEST_F(NodeDatapathTest,
       PacketWithOptionsToAnEmptyServiceHasOneDropReason) {
  constexpr uint8_t kRecordRoute[] = {7, 7, 4, 0, 0, 0, 0};
  PacketBuilder ip = FromWorkload(kClient4, kEmptyService4);
  ip.Ipv4Options(kRecordRoute);
  TcRun r = FromEndpoint(
      WithL4(ip, {kClient4, 40000, kEmptyService4, 80, IPPROTO_TCP},
             TcpFlags::kSyn, false));
  EXPECT_EQ(r.verdict, kShot);
  EXPECT_EQ(DropReasons(r.delta), "service_no_backend");
}

// Every drop has a reason, a counter and an event: rejects too.
TEST_F(NodeDatapathTest, RejectIsReportedAsAnEvent) {
  ASSERT_EQ(
      FromEndpoint(Sent({kClient4, 40000, kEmptyService4, 80, IPPROTO_TCP}))
          .verdict,
      kRedirect);
  std::vector<sluice_event> events = TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, SLUICE_EVENT_DROP);
  EXPECT_EQ(events[0].reason, SLUICE_DROP_SERVICE_NO_BACKEND);
}

// A later fragment has no ICMPv6 header: bytes that look like an ND type
// must not pass a deny-all policy as neighbour discovery.
TEST_F(NodeDatapathTest,
       LaterFragmentIsNotTakenForNeighbourDiscovery) {
  PutPolicy(kIngressPolicy, "::", 0, {Deny(117)});
  SetPolicies(kIngressPolicy, 0);
  const Bytes fragment =
      ToWorkload(kPeer6, kClient6).Fragment(8, false).Icmpv6(135, 0).Build();
  TcRun r = ToEndpoint(fragment);
  EXPECT_EQ(r.verdict, kShot);
  EXPECT_EQ(DropReasons(r.delta), "policy_deny");
}

// An ICMP error quoting a known connection passes only towards the quoted
// packet's sender (as Linux conntrack checks); sent anywhere else it is
// judged by policy, so it cannot smuggle bytes past an egress deny-all.
TEST_F(NodeDatapathTest, IcmpErrorToAnUnrelatedHostIsJudgedByPolicy) {
  PutPolicy(kEgressPolicy, "0.0.0.0", 0, {Deny(118)});
  SetPolicies(0, kEgressPolicy);
  const Flow incoming{kPeer4, 40000, kClient4, 22, IPPROTO_TCP};
  ASSERT_EQ(ToEndpoint(Delivered(incoming, TcpFlags::kSyn)).verdict, kPass);

  TcRun related = FromEndpoint(FromWorkload(kClient4, kPeer4)
                                   .IcmpDestUnreachable(3, Quote(incoming))
                                   .Build());
  EXPECT_EQ(related.verdict, kPass) << "the error goes to the quoted sender";
  EXPECT_EQ(Moved(related.delta), "from_endpoint ct_related");

  TcRun unrelated = FromEndpoint(FromWorkload(kClient4, "203.0.113.66")
                                     .IcmpDestUnreachable(3, Quote(incoming))
                                     .Build());
  EXPECT_EQ(unrelated.verdict, kShot);
  EXPECT_EQ(DropReasons(unrelated.delta), "policy_deny");
}

// --- Known limitation ---------------------------------------------------------
//
// Asserts the right behaviour but skips while the datapath still falls short,
// so it guards the fix the day it lands.

using NodeDatapathKnownBugsTest = NodeDatapathTest;

// BUG: a later fragment carries no ports; reply_entry (endpoint.bpf.c)
// looks it up with ports 0, never finds its connection, and the policy judges
// it as a portless packet: the rest of a fragmented reply (large UDP answers)
// is dropped by a deny-all ingress policy that let its first fragment in.
// (Later fragments to a service are likewise never DNATed.) Tracking the
// ports of fragmented datagrams by IP id would fix both.
TEST_F(NodeDatapathKnownBugsTest, LaterFragmentOfAReplyPassesLikeTheReply) {
  PutPolicy(kIngressPolicy, "0.0.0.0", 0, {Deny(119)});
  SetPolicies(kIngressPolicy, 0);
  ASSERT_EQ(
      FromEndpoint(Sent({kClient4, 40000, kPeer4, 53, IPPROTO_UDP})).verdict,
      kPass);
  const Bytes first = ToWorkload(kPeer4, kClient4)
                          .IpId(99)
                          .Fragment(0, true)
                          .Udp(53, 40000)
                          .PayloadOfSize(64)
                          .Build();
  const Bytes later = ToWorkload(kPeer4, kClient4)
                          .IpId(99)
                          .Fragment(72, false)
                          .IpProtocol(IPPROTO_UDP)
                          .PayloadOfSize(64)
                          .Build();
  ASSERT_EQ(ToEndpoint(first).verdict, kPass);
  TcRun r = ToEndpoint(later);
  if (r.verdict == kShot) {
    GTEST_SKIP() << "BUG: the later fragments of a reply drop as "
                 << DropReasons(r.delta);
  }
  EXPECT_EQ(r.verdict, kPass);
}

}  // namespace
}  // namespace sluice::testing
