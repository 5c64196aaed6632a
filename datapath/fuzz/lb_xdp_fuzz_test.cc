// Fuzz of the XDP load balancer (datapath/xdp/lb_xdp.bpf.c) under
// BPF_PROG_TEST_RUN, with VIPs, backends, rings and blacklists as lbd writes
// them (lb_xdp_fixture.h). Every mutant must get a defined, counted verdict:
// pass (the frame untouched), drop, or tx of a correct encapsulation
// (frame_checks.h); never XDP_ABORTED. docs/testing-fuzz.md.
#include <linux/bpf.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datapath/fuzz/counted_verdicts.h"
#include "datapath/fuzz/frame_checks.h"
#include "datapath/fuzz/fuzz_run.h"
#include "datapath/maps/counter_names.h"
#include "base/packet/packet_builder.h"
#include "base/testing/prog_test_run.h"
#include "datapath/xdp/lb_xdp_fixture.h"
#include "gtest/gtest.h"
#include "lb_xdp.skel.h"

namespace sluice::testing {
namespace {

const MacAddr kRouterMac("02:00:00:00:00:01");
const MacAddr kLbMac("02:00:00:00:00:aa");
const MacAddr kHopMac1("02:00:00:00:01:01");
const MacAddr kHopMac2("02:00:00:00:01:02");

const IpAddress kClient4("192.0.2.1");
const IpAddress kClient6("2001:db8:c::1");
const IpAddress kOther4("198.51.100.7");  // not a VIP
const IpAddress kOther6("2001:db8:5::7");
const IpAddress kRouter4("192.0.2.254");  // sends ICMP errors
const IpAddress kRouter6("2001:db8:c::fe");
const IpAddress kBlacklisted4("198.18.0.9");
const IpAddress kBlacklisted6("2001:db8:bad::9");
const IpAddress kArpBlacklisted("192.0.2.66");
const IpAddress kVip4("203.0.113.10");
const IpAddress kVip4In6("203.0.113.11");      // IPv6 backends
const IpAddress kVip4NoNextHop("203.0.113.12");  // backend unresolved
const IpAddress kVip6("2001:db8:f::10");

struct BackendDef {
  uint32_t id;
  IpAddress addr;
  MacAddr next_hop;
  uint8_t flags;
};
const BackendDef kBackends[] = {
    {1, "10.1.0.1", kHopMac1, kUsableBackend},
    {2, "10.1.0.2", kHopMac2, kUsableBackend},
    {3, "10.1.0.3", kHopMac1,
     SLUICE_BACKEND_LIVE | SLUICE_BACKEND_COMMITTED},  // no next hop yet
    {11, "fd00:1::1", kHopMac1, kUsableBackend},
    {12, "fd00:1::2", kHopMac2, kUsableBackend},
};

struct VipDef {
  uint32_t vip_id;
  IpAddress addr;
  uint16_t port;
  uint8_t proto;
  std::vector<uint32_t> backends;
  uint32_t flags;
};
const VipDef kVips[] = {
    {1, kVip4, 80, IPPROTO_TCP, {1, 2}, 0},
    {2, kVip4, 53, IPPROTO_UDP, {1, 2}, 0},
    {3, kVip4, 8080, IPPROTO_TCP, {1, 2}, SLUICE_VIP_HASH_SOURCE},
    {4, kVip6, 443, IPPROTO_TCP, {11, 12}, 0},
    {5, kVip6, 0, IPPROTO_UDP, {11, 12}, 0},  // every port
    {6, kVip4In6, 80, IPPROTO_TCP, {11, 12}, 0},
    {7, kVip4NoNextHop, 80, IPPROTO_TCP, {3}, 0},
};
constexpr uint32_t kRingSize = 13;

constexpr uint8_t kRecordRoute[] = {7, 7, 4, 0, 0, 0, 0};
constexpr uint8_t kRouterAlert[] = {5, 2, 0, 0};

PacketBuilder FromRouter() { return PacketBuilder().Eth(kRouterMac, kLbMac); }

PacketBuilder Ip(PacketBuilder b, const IpAddress& src, const IpAddress& dst) {
  return src.is_v4() ? b.Ipv4(src, dst) : b.Ipv6(src, dst);
}

Bytes Tcp(const IpAddress& src, const IpAddress& dst, uint16_t dport,
          uint8_t flags = TcpFlags::kSyn) {
  return Ip(FromRouter(), src, dst)
      .Tcp(40000, dport, flags)
      .Payload("hello")
      .Build();
}

Bytes Udp(const IpAddress& src, const IpAddress& dst, uint16_t dport) {
  return Ip(FromRouter(), src, dst).Udp(40000, dport).Payload("query").Build();
}

// What a real sent from the VIP to the client, as an ICMP error quotes it.
Bytes Quoted(const IpAddress& vip, uint16_t vport, const IpAddress& client) {
  PacketBuilder b;
  return Ip(b, vip, client)
      .Tcp(vport, 40000, TcpFlags::kAck)
      .Truncate(vip.is_v4() ? 28 : 48)
      .Build();
}

std::vector<SeedFrame> Seeds() {
  std::vector<SeedFrame> s = {
      {"tcp4 to VIP", Tcp(kClient4, kVip4, 80)},
      {"tcp4 ack to VIP", Tcp(kClient4, kVip4, 80, TcpFlags::kAck)},
      {"udp4 to VIP", Udp(kClient4, kVip4, 53)},
      {"tcp4 to source-hash VIP", Tcp(kClient4, kVip4, 8080)},
      {"tcp6 to VIP", Tcp(kClient6, kVip6, 443)},
      {"udp6 to every-port VIP", Udp(kClient6, kVip6, 5000)},
      {"tcp4 to VIP with IPv6 backends", Tcp(kClient4, kVip4In6, 80)},
      {"tcp4 to VIP without next hop", Tcp(kClient4, kVip4NoNextHop, 80)},
      {"tcp4 to VIP, other port", Tcp(kClient4, kVip4, 81)},
      {"tcp4 not VIP", Tcp(kClient4, kOther4, 80)},
      {"udp6 not VIP", Udp(kClient6, kOther6, 53)},
      {"tcp4 blacklisted source", Tcp(kBlacklisted4, kVip4, 80)},
      {"tcp6 blacklisted source", Tcp(kBlacklisted6, kVip6, 443)},
      {"udp4 no checksum to VIP",
       FromRouter().Ipv4(kClient4, kVip4).Udp(40000, 53).ZeroUdpChecksum()
           .Payload("q").Build()},
      {"tcp4 with MSS to VIP", FromRouter().Ipv4(kClient4, kVip4)
           .Tcp(40000, 80, TcpFlags::kSyn).TcpMss(1460).Build()},
      {"tcp4 vlan to VIP", FromRouter().Vlan(10).Ipv4(kClient4, kVip4)
           .Tcp(40000, 80, TcpFlags::kSyn).Payload("x").Build()},
      {"tcp6 qinq to VIP", FromRouter().Vlan(10).Vlan(20).Ipv6(kClient6, kVip6)
           .Tcp(40000, 443, TcpFlags::kSyn).Payload("x").Build()},
      {"tcp4 options to VIP", FromRouter().Ipv4(kClient4, kVip4)
           .Ipv4Options(kRecordRoute).Tcp(40000, 80, TcpFlags::kSyn).Build()},
      {"udp4 options not VIP", FromRouter().Ipv4(kClient4, kOther4)
           .Ipv4Options(kRouterAlert).Udp(40000, 53).Build()},
      {"tcp6 ext chain to VIP", FromRouter().Ipv6(kClient6, kVip6).HopByHop()
           .DestOpts().Routing(0, 0, {kVip6}).Tcp(40000, 443, TcpFlags::kSyn)
           .Build()},
      {"udp6 ext chain not VIP", FromRouter().Ipv6(kClient6, kOther6)
           .HopByHop().DestOpts().Udp(40000, 53).Payload("q").Build()},
      {"tcp4 first fragment to VIP", FromRouter().Ipv4(kClient4, kVip4)
           .Fragment(0, true).Tcp(40000, 80, TcpFlags::kSyn)
           .PayloadOfSize(40).Build()},
      {"ipv4 later fragment to VIP", FromRouter().Ipv4(kClient4, kVip4)
           .Fragment(64, false).IpProtocol(IPPROTO_TCP).PayloadOfSize(40)
           .Build()},
      {"tcp6 first fragment to VIP", FromRouter().Ipv6(kClient6, kVip6)
           .Fragment(0, true).Tcp(40000, 443, TcpFlags::kSyn)
           .PayloadOfSize(40).Build()},
      {"ipv6 later fragment to VIP", FromRouter().Ipv6(kClient6, kVip6)
           .Fragment(64, false).IpProtocol(IPPROTO_TCP).PayloadOfSize(40)
           .Build()},
      {"icmp echo to VIP", FromRouter().Ipv4(kClient4, kVip4).IcmpEcho(7, 1)
           .Build()},
      {"icmpv6 echo to VIP", FromRouter().Ipv6(kClient6, kVip6)
           .Icmpv6Echo(7, 1).Build()},
      {"icmp frag needed about VIP flow", FromRouter().Ipv4(kRouter4, kVip4)
           .IcmpFragNeeded(1400, Quoted(kVip4, 80, kClient4)).Build()},
      {"icmp unreachable about 4in6 VIP flow",
       FromRouter().Ipv4(kRouter4, kVip4In6)
           .IcmpDestUnreachable(1, Quoted(kVip4In6, 80, kClient4)).Build()},
      {"icmpv6 too big about VIP flow", FromRouter().Ipv6(kRouter6, kVip6)
           .Icmpv6PacketTooBig(1280, Quoted(kVip6, 443, kClient6)).Build()},
      {"icmp time exceeded not VIP", FromRouter().Ipv4(kRouter4, kOther4)
           .IcmpTimeExceeded(Quoted(kOther4, 80, kClient4)).Build()},
      {"ipip not VIP", FromRouter().Ipv4(kClient4, kOther4)
           .Ipv4(kClient4, kVip4).Tcp(1, 80, TcpFlags::kSyn).Build()},
      {"arp request", FromRouter().Arp(ArpOp::kRequest, kRouterMac, kRouter4,
                                       {}, kVip4).Build()},
      {"arp from blacklisted sender",
       FromRouter().Arp(ArpOp::kReply, kRouterMac, kArpBlacklisted, kLbMac,
                        kVip4).Build()},
      {"tcp4 near max frame length to VIP",
       FromRouter().Ipv4(kClient4, kVip4).Tcp(40000, 80, TcpFlags::kAck)
           .PayloadOfSize(kTestMaxFrameLen - 70).Build()},
  };
  return s;
}

MutationDictionary Dictionary() {
  MutationDictionary d;
  for (const IpAddress& a : {kVip4, kVip4In6, kVip4NoNextHop, kOther4,
                             kClient4, kBlacklisted4, kVip6, kClient6}) {
    d.words.emplace_back(a.bytes.begin() + a.size() - 4,
                         a.bytes.begin() + a.size());
  }
  for (uint16_t port : {80, 53, 443, 8080, 40000}) {
    d.shorts.push_back({static_cast<uint8_t>(port >> 8),
                        static_cast<uint8_t>(port)});
  }
  return d;
}

class LbXdpFuzz : public LbXdpTest {
 protected:
  void SetUp() override {
    LbXdpTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const BackendDef& b : kBackends) {
      PutBackend(b.id, b.addr, b.next_hop, b.flags);
      rules_.backends.push_back({b.addr, b.next_hop});
    }
    for (const VipDef& v : kVips) {
      const uint32_t offset = v.vip_id * 16;
      FillRing(offset, kRingSize, v.backends);
      PutVip(0, v.addr, v.port, v.proto,
             VipMeta(v.vip_id, offset, kRingSize, v.flags));
      PutVip(0, v.addr, 0, 0, sluice_vip_meta{});  // lbd's address marker
    }
    BlacklistPrefix(0, "198.18.0.0", 15);
    BlacklistPrefix(0, "2001:db8:bad::", 48);
    BlacklistArp(0, kArpBlacklisted);
    rules_.src_v4 = kEncapSrcV4;
    rules_.src_v6 = kEncapSrcV6;
  }

  FuzzOutcome RunOne(const Bytes& in, CountedVerdicts& verdicts) {
    auto r = RunProg(prog_fd(), in);
    if (!r.ok()) {
      if (TestRunRefuses(in, /*tc=*/false)) return {"refused by the kernel", ""};
      return {"error", absl::StrCat("BPF_PROG_TEST_RUN: ", r.status().ToString())};
    }
    FuzzOutcome o{VerdictName(r->verdict), ""};
    switch (r->verdict) {
      case XDP_PASS:
        o.problem = CheckUnchanged(in, r->packet);
        break;
      case XDP_TX:
        o.problem = CheckEncapsulated(in, r->packet, rules_);
        break;
      case XDP_DROP:
        break;
      default:
        o.problem = "undefined verdict (XDP_ABORTED or unknown)";
    }
    if (r->verdict < SLUICE_VERDICT_MAX) {
      absl::StrAppend(&o.problem, verdicts.Counted(r->verdict));
    }
    if (!o.problem.empty()) absl::StrAppend(&o.problem, "\n  out: ", Hex(r->packet));
    return o;
  }

  EncapRules rules_;
};

TEST_F(LbXdpFuzz, MutatedFramesGetCountedVerdictsAndLeaveWellFormed) {
  CountedVerdicts verdicts(bpf_map__fd(skel_->maps.verdict_counters),
                           SLUICE_VERDICT_MAX);
  CountedVerdicts drops(bpf_map__fd(skel_->maps.drop_counters),
                        SLUICE_DROP_REASON_MAX);
  RunFuzz("lb_xdp", ReadFuzzSettings(), Seeds(), Dictionary(),
          [&](const Bytes& in) { return RunOne(in, verdicts); });
  EXPECT_EQ(verdicts.Seen(XDP_ABORTED), 0u);
  EXPECT_EQ(verdicts.AllCounted(), "");
  EXPECT_EQ(drops.MovedInAll(), verdicts.Seen(XDP_DROP))
      << "every drop counts one reason";
}

}  // namespace
}  // namespace sluice::testing
