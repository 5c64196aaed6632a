// Fuzz of the node datapath (datapath/tc/endpoint.bpf.c) under
// BPF_PROG_TEST_RUN, both programs: sluice_from_endpoint (tc ingress of the
// host veth: what the workload sends) and sluice_to_endpoint (tc egress: what
// it is delivered), with endpoints, services, backends and policies as lbd
// writes them (endpoint_fixture.h) and connection-table state from valid
// frames run first in both directions. Every mutant must get a defined,
// counted verdict: pass (untouched, or a correct NAT rewrite), drop, or
// redirect of a correct ICMP reject (frame_checks.h). docs/testing-fuzz.md.
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "datapath/fuzz/counted_verdicts.h"
#include "datapath/fuzz/frame_checks.h"
#include "datapath/fuzz/fuzz_run.h"
#include "datapath/maps/counter_names.h"
#include "datapath/tc/endpoint_fixture.h"
#include "base/packet/packet_builder.h"
#include "base/testing/prog_test_run.h"
#include "endpoint.skel.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

const MacAddr kWorkloadMac("02:00:00:00:01:02");
const MacAddr kHostMac("02:00:00:00:00:01");

constexpr uint32_t kEndpointId = 7;
const IpAddress kClient4("10.0.1.2");  // the endpoint's addresses
const IpAddress kClient6("fd00:1::2");
const IpAddress kPeer4("10.0.3.4");  // another workload, no service
const IpAddress kPeer6("fd00:3::4");
const IpAddress kRouter4("10.0.0.1");  // sends ICMP errors on the way
const IpAddress kRouter6("fd00::1");
const IpAddress kService4("10.96.0.10");
const IpAddress kService6("fd00:96::10");
const IpAddress kEmptyService4("10.96.0.20");  // no backend: rejects
const IpAddress kEmptyService6("fd00:96::20");
const IpAddress kBackend4("10.0.2.3");
const IpAddress kBackend6("fd00:2::3");

struct ServiceDef {
  uint32_t svc_id;
  IpAddress addr;
  uint16_t port;
  uint8_t proto;
  uint32_t backend_id;  // SLUICE_NO_BACKEND: none
};
const ServiceDef kServices[] = {
    {1, kService4, 80, IPPROTO_TCP, 1},
    {2, kService4, 53, IPPROTO_UDP, 2},
    {3, kService6, 80, IPPROTO_TCP, 3},
    {4, kService6, 53, IPPROTO_UDP, 4},
    {5, kEmptyService4, 80, IPPROTO_TCP, SLUICE_NO_BACKEND},
    {6, kEmptyService6, 53, IPPROTO_UDP, SLUICE_NO_BACKEND},
};

struct BackendDef {
  uint32_t id;
  IpAddress addr;
  uint16_t port;
  uint32_t svc_id;
};
const BackendDef kBackends[] = {
    {1, kBackend4, 8080, 1},
    {2, kBackend4, 5353, 2},
    {3, kBackend6, 8080, 3},
    {4, kBackend6, 5353, 4},
};

constexpr uint32_t kEgressPolicy = 10;
constexpr uint32_t kIngressPolicy = 20;

constexpr uint8_t kRecordRoute[] = {7, 7, 4, 0, 0, 0, 0};
constexpr uint8_t kNeighbourSolicit = 135;
constexpr uint8_t kRouterAdvert = 134;

PacketBuilder Ip(PacketBuilder b, const IpAddress& src, const IpAddress& dst) {
  return src.is_v4() ? b.Ipv4(src, dst) : b.Ipv6(src, dst);
}

// What the workload sends (from-endpoint) / is delivered (to-endpoint),
// with a VLAN tag when `vlan` is not 0.
PacketBuilder Sent(const IpAddress& src, const IpAddress& dst,
                   uint16_t vlan = 0) {
  PacketBuilder b = PacketBuilder().Eth(kWorkloadMac, kHostMac);
  if (vlan) b.Vlan(vlan);
  return Ip(b, src, dst);
}
PacketBuilder Delivered(const IpAddress& src, const IpAddress& dst,
                        uint16_t vlan = 0) {
  PacketBuilder b = PacketBuilder().Eth(kHostMac, kWorkloadMac);
  if (vlan) b.Vlan(vlan);
  return Ip(b, src, dst);
}

Bytes Tcp(PacketBuilder b, uint16_t sport, uint16_t dport, uint8_t flags) {
  return b.Tcp(sport, dport, flags).Payload("hello").Build();
}
Bytes Udp(PacketBuilder b, uint16_t sport, uint16_t dport) {
  return b.Udp(sport, dport).Payload("query").Build();
}

// A packet's IP header and first 8 L4 bytes, as an ICMP error quotes it.
Bytes Quoted(const IpAddress& src, uint16_t sport, const IpAddress& dst,
             uint16_t dport, uint8_t proto) {
  PacketBuilder b = Ip(PacketBuilder(), src, dst);
  if (proto == IPPROTO_TCP) {
    b.Tcp(sport, dport, TcpFlags::kAck);
  } else {
    b.Udp(sport, dport);
  }
  return b.Truncate(src.is_v4() ? 28 : 48).Build();
}

constexpr uint8_t kSyn = TcpFlags::kSyn;
constexpr uint8_t kAck = TcpFlags::kAck;
constexpr uint8_t kSynAck = TcpFlags::kSyn | TcpFlags::kAck;

std::vector<SeedFrame> FromEndpointSeeds() {
  return {
      {"tcp4 syn to service", Tcp(Sent(kClient4, kService4), 40000, 80, kSyn)},
      {"tcp4 ack to service", Tcp(Sent(kClient4, kService4), 40000, 80, kAck)},
      {"udp4 to service", Udp(Sent(kClient4, kService4), 40000, 53)},
      {"udp4 no checksum to service",
       Sent(kClient4, kService4).Udp(40001, 53).ZeroUdpChecksum().Payload("q")
           .Build()},
      {"tcp6 syn to service", Tcp(Sent(kClient6, kService6), 40000, 80, kSyn)},
      {"udp6 to service", Udp(Sent(kClient6, kService6), 40000, 53)},
      {"tcp4 to service without backend",
       Tcp(Sent(kClient4, kEmptyService4), 40000, 80, kSyn)},
      {"udp6 to service without backend",
       Udp(Sent(kClient6, kEmptyService6), 40000, 53)},
      {"tcp4 options to service without backend",
       Sent(kClient4, kEmptyService4).Ipv4Options(kRecordRoute)
           .Tcp(40000, 80, kSyn).Build()},
      {"tcp4 options to service", Sent(kClient4, kService4)
           .Ipv4Options(kRecordRoute).Tcp(40002, 80, kSyn).Build()},
      {"tcp4 vlan to service", Sent(kClient4, kService4, 10).Tcp(40003, 80, kSyn)
           .Build()},
      {"tcp6 ext chain to service", Sent(kClient6, kService6).HopByHop()
           .DestOpts().Tcp(40000, 80, kAck).Payload("x").Build()},
      {"udp6 routing header to service", Sent(kClient6, kService6)
           .Routing(0, 0, {kService6}).Udp(40000, 53).Payload("x").Build()},
      {"tcp4 first fragment to service", Sent(kClient4, kService4)
           .Fragment(0, true).Tcp(40000, 80, kAck).PayloadOfSize(32).Build()},
      {"ipv4 later fragment to service", Sent(kClient4, kService4)
           .Fragment(64, false).IpProtocol(IPPROTO_TCP).PayloadOfSize(32)
           .Build()},
      {"udp6 first fragment to service", Sent(kClient6, kService6)
           .Fragment(0, true).Udp(40000, 53).PayloadOfSize(32).Build()},
      {"tcp4 to peer allowed", Tcp(Sent(kClient4, kPeer4), 40000, 80, kSyn)},
      {"tcp4 to peer denied", Tcp(Sent(kClient4, kPeer4), 40000, 22, kSyn)},
      {"tcp6 to peer", Tcp(Sent(kClient6, kPeer6), 40000, 80, kSyn)},
      {"icmp echo to peer", Sent(kClient4, kPeer4).IcmpEcho(9, 1).Build()},
      {"icmpv6 echo to peer", Sent(kClient6, kPeer6).Icmpv6Echo(9, 1).Build()},
      {"tcp4 spoofed source", Tcp(Sent("10.0.9.9", kPeer4), 40000, 80, kSyn)},
      {"tcp4 reply of inbound", Tcp(Sent(kClient4, kPeer4), 80, 5555, kSynAck)},
      {"tcp6 reply of inbound", Tcp(Sent(kClient6, kPeer6), 80, 5555, kSynAck)},
      {"icmp error about inbound", Sent(kClient4, kPeer4)
           .IcmpDestUnreachable(3, Quoted(kPeer4, 5555, kClient4, 80,
                                          IPPROTO_TCP)).Build()},
      {"icmpv6 error about inbound", Sent(kClient6, kPeer6)
           .Icmpv6DestUnreachable(4, Quoted(kPeer6, 5555, kClient6, 80,
                                            IPPROTO_TCP)).Build()},
      {"neighbour solicitation", Sent(kClient6, "ff02::1:ff00:1")
           .Icmpv6(kNeighbourSolicit, 0).PayloadOfSize(16).Build()},
      {"arp", PacketBuilder().Eth(kWorkloadMac, kHostMac)
           .Arp(ArpOp::kRequest, kWorkloadMac, kClient4, {}, kPeer4).Build()},
  };
}

std::vector<SeedFrame> ToEndpointSeeds() {
  return {
      {"tcp4 reply from backend",
       Tcp(Delivered(kBackend4, kClient4), 8080, 40000, kSynAck)},
      {"udp4 reply from backend",
       Udp(Delivered(kBackend4, kClient4), 5353, 40000)},
      {"udp4 no-checksum reply from backend", Delivered(kBackend4, kClient4)
           .Udp(5353, 40001).ZeroUdpChecksum().Payload("a").Build()},
      {"tcp6 reply from backend",
       Tcp(Delivered(kBackend6, kClient6), 8080, 40000, kSynAck)},
      {"udp6 reply from backend",
       Udp(Delivered(kBackend6, kClient6), 5353, 40000)},
      {"tcp4 options reply from backend", Delivered(kBackend4, kClient4)
           .Ipv4Options(kRecordRoute).Tcp(8080, 40002, kSynAck).Build()},
      {"tcp4 vlan reply from backend", Delivered(kBackend4, kClient4, 10)
           .Tcp(8080, 40003, kSynAck).Build()},
      {"tcp6 ext chain reply from backend", Delivered(kBackend6, kClient6)
           .HopByHop().DestOpts().Tcp(8080, 40000, kAck).Payload("x").Build()},
      {"icmp frag needed from router about service flow",
       Delivered(kRouter4, kClient4)
           .IcmpFragNeeded(1400, Quoted(kClient4, 40000, kBackend4, 8080,
                                        IPPROTO_TCP)).Build()},
      {"icmp unreachable from backend about service flow",
       Delivered(kBackend4, kClient4)
           .IcmpDestUnreachable(3, Quoted(kClient4, 40000, kBackend4, 5353,
                                          IPPROTO_UDP)).Build()},
      {"icmpv6 too big from router about service flow",
       Delivered(kRouter6, kClient6)
           .Icmpv6PacketTooBig(1280, Quoted(kClient6, 40000, kBackend6, 8080,
                                            IPPROTO_TCP)).Build()},
      {"icmpv6 unreachable from backend about service flow",
       Delivered(kBackend6, kClient6)
           .Icmpv6DestUnreachable(4, Quoted(kClient6, 40000, kBackend6, 5353,
                                            IPPROTO_UDP)).Build()},
      {"tcp4 inbound allowed", Tcp(Delivered(kPeer4, kClient4), 5555, 80, kSyn)},
      {"udp4 inbound denied", Udp(Delivered(kPeer4, kClient4), 5555, 53)},
      {"tcp6 inbound", Tcp(Delivered(kPeer6, kClient6), 5555, 80, kSyn)},
      {"tcp4 reply of outbound to peer",
       Tcp(Delivered(kPeer4, kClient4), 80, 40000, kSynAck)},
      {"icmp echo reply of ping", Delivered(kPeer4, kClient4)
           .IcmpEchoReply(9, 1).Build()},
      {"icmpv6 echo inbound", Delivered(kPeer6, kClient6).Icmpv6Echo(3, 1)
           .Build()},
      {"router advertisement", Delivered("fe80::1", "ff02::1")
           .Icmpv6(kRouterAdvert, 0).PayloadOfSize(8).Build()},
      {"ipv4 later fragment inbound", Delivered(kPeer4, kClient4)
           .Fragment(64, false).IpProtocol(IPPROTO_UDP).PayloadOfSize(32)
           .Build()},
      {"tcp6 first fragment reply from backend", Delivered(kBackend6, kClient6)
           .Fragment(0, true).Tcp(8080, 40000, kAck).PayloadOfSize(24).Build()},
  };
}

MutationDictionary Dictionary() {
  MutationDictionary d;
  for (const IpAddress& a : {kClient4, kPeer4, kService4, kEmptyService4,
                             kBackend4, kClient6, kService6, kBackend6}) {
    d.words.emplace_back(a.bytes.begin() + a.size() - 4,
                         a.bytes.begin() + a.size());
  }
  for (uint16_t port : {80, 53, 8080, 5353, 40000, 5555}) {
    d.shorts.push_back({static_cast<uint8_t>(port >> 8),
                        static_cast<uint8_t>(port)});
  }
  return d;
}

class EndpointFuzz : public EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    PutEndpoint(MakeEndpoint(kEndpointId, kClient4, kClient6, kIngressPolicy,
                             kEgressPolicy));
    for (const ServiceDef& s : kServices) {
      PutRing(s.svc_id, {s.backend_id});
      PutService(s.addr, s.port, s.proto, s.svc_id, s.svc_id);
    }
    for (const BackendDef& b : kBackends) {
      PutBackend(b.id, b.addr, b.port, b.svc_id);
    }
    // Egress: TCP 80 and 8080, UDP 53 and 5353, ICMP; TCP 22 denied.
    const std::vector<sluice_policy_rule> egress = {
        Allow(1, IPPROTO_TCP, 80, 80),   Allow(2, IPPROTO_TCP, 8080, 8080),
        Allow(3, IPPROTO_UDP, 53, 53),   Allow(4, IPPROTO_UDP, 5353, 5353),
        Allow(5, IPPROTO_ICMP),          Allow(6, IPPROTO_ICMPV6),
        Deny(7, IPPROTO_TCP, 22, 22)};
    PutPolicy(kEgressPolicy, "0.0.0.0", 0, egress);
    PutPolicy(kEgressPolicy, "::", 0, egress);
    // Ingress: TCP 80 from the node's networks, ICMP; UDP denied.
    const std::vector<sluice_policy_rule> ingress = {
        Allow(11, IPPROTO_TCP, 80, 80), Allow(12, IPPROTO_ICMP),
        Allow(13, IPPROTO_ICMPV6), Deny(14, IPPROTO_UDP)};
    PutPolicy(kIngressPolicy, "10.0.0.0", 8, ingress);
    PutPolicy(kIngressPolicy, "fd00::", 16, ingress);

    from_fd_ = bpf_program__fd(skel_->progs.sluice_from_endpoint);
    to_fd_ = bpf_program__fd(skel_->progs.sluice_to_endpoint);
    // Connection state both ways: inbound connections (for from-endpoint's
    // replies), service connections (for to-endpoint's reverse NAT).
    for (int round = 0; round < 2; ++round) {
      for (const SeedFrame& s : ToEndpointSeeds()) Warm(to_fd_, s);
      for (const SeedFrame& s : FromEndpointSeeds()) {
        Warm(from_fd_, s);
      }
    }
  }

  void Warm(int fd, const SeedFrame& s) {
    __sk_buff skb{};
    skb.ifindex = kTestIfindex;
    EXPECT_TRUE(RunSkbProg(fd, s.frame, skb).ok()) << s.name;
  }

  void Fuzz(const std::string& name, int fd,
            const std::vector<SeedFrame>& seeds) {
    CountedVerdicts verdicts(bpf_map__fd(skel_->maps.node_verdicts),
                             SLUICE_NODE_VERDICT_MAX);
    CountedVerdicts drops(bpf_map__fd(skel_->maps.node_drops),
                          SLUICE_DROP_REASON_MAX);
    RunFuzz(name, ReadFuzzSettings(), seeds,
            Dictionary(),
            [&](const Bytes& in) { return RunOne(fd, in, verdicts); });
    EXPECT_EQ(verdicts.AllCounted(), "");
    // A reject is a drop (no backend) whose packet is sent back.
    EXPECT_EQ(drops.MovedInAll(), verdicts.Seen(SLUICE_NODE_DROP) +
                                      verdicts.Seen(SLUICE_NODE_REDIRECT))
        << "every drop and reject counts one reason";
  }

  FuzzOutcome RunOne(int fd, const Bytes& in, CountedVerdicts& verdicts) {
    __sk_buff skb{};
    skb.ifindex = kTestIfindex;
    auto r = RunSkbProg(fd, in, skb);
    if (!r.ok()) {
      if (TestRunRefuses(in, /*tc=*/true)) return {"refused by the kernel", ""};
      return {"error", absl::StrCat("BPF_PROG_TEST_RUN: ", r.status().ToString())};
    }
    FuzzOutcome o;
    uint32_t counted_as = SLUICE_NODE_VERDICT_MAX;
    switch (r->verdict) {
      case TC_ACT_OK:
        counted_as = SLUICE_NODE_PASS;
        o.verdict = r->packet == in ? "ok" : "ok (rewritten)";
        if (r->packet != in) o.problem = CheckNatRewrite(in, r->packet);
        break;
      case TC_ACT_SHOT:
        counted_as = SLUICE_NODE_DROP;
        o.verdict = "shot";
        break;
      case TC_ACT_REDIRECT:
        counted_as = SLUICE_NODE_REDIRECT;
        o.verdict = "redirect (reject)";
        // Host routing is off: a redirect is the reject sent back.
        o.problem = skb.mark == SLUICE_MARK_REJECT
                        ? CheckReject(in, r->packet)
                        : "redirect without the reject mark";
        break;
      default:
        o.verdict = absl::StrCat("undefined ", r->verdict);
        o.problem = "undefined tc verdict";
    }
    if (counted_as < SLUICE_NODE_VERDICT_MAX) {
      absl::StrAppend(&o.problem, verdicts.Counted(counted_as));
    }
    if (!o.problem.empty()) {
      absl::StrAppend(&o.problem, "\n  out: ", Hex(r->packet));
    }
    return o;
  }

  int from_fd_ = -1;
  int to_fd_ = -1;
};

TEST_F(EndpointFuzz, FromEndpointGivesCountedVerdictsAndWellFormedRewrites) {
  Fuzz("from_endpoint", from_fd_, FromEndpointSeeds());
}

TEST_F(EndpointFuzz, ToEndpointGivesCountedVerdictsAndWellFormedRewrites) {
  Fuzz("to_endpoint", to_fd_, ToEndpointSeeds());
}

}  // namespace
}  // namespace sluice::testing
