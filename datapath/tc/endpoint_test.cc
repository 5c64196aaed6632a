// The node datapath under BPF_PROG_TEST_RUN: service DNAT with connection
// tracking, reverse NAT of replies and ICMP errors, rejects for services
// without backends, stateful endpoint policy, malformed input, source
// checks and sampled events. (For tc programs the kernel takes and returns
// the whole Ethernet frame.)
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "datapath/tc/endpoint_fixture.h"
#include "base/packet/packet_builder.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"
#include "sluice/shared.h"

namespace sluice::testing {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t kPass = TC_ACT_OK;
constexpr uint32_t kShot = TC_ACT_SHOT;
constexpr uint32_t kRedirect = TC_ACT_REDIRECT;
constexpr uint8_t kSynAck = TcpFlags::kSyn | TcpFlags::kAck;
constexpr size_t kEthLen = 14;
constexpr size_t kVlanLen = 4;
constexpr size_t kIpv4Len = 20;
constexpr size_t kIpv6Len = 40;

// The endpoint's veth: the workload's end and the host's end.
const MacAddr kWorkloadMac("02:00:00:00:01:02");
const MacAddr kHostMac("02:00:00:00:00:01");

constexpr uint32_t kEndpointId = 7;
const IpAddress kClient4("10.0.1.2");  // the endpoint's addresses
const IpAddress kClient6("fd00:1::2");
const IpAddress kPeer4("10.0.3.4");  // another workload, no service
const IpAddress kPeer6("fd00:3::4");
const IpAddress kRouter4("10.0.0.1");  // sends ICMP errors on the way

const IpAddress kService4("10.96.0.10");
const IpAddress kService6("fd00:96::10");
const IpAddress kEmptyService4("10.96.0.20");  // no backend
const IpAddress kEmptyService6("fd00:96::20");
const IpAddress kBackend4("10.0.2.3");
const IpAddress kOtherBackend4("10.0.2.4");
const IpAddress kBackend6("fd00:2::3");

// Services; each has the Maglev table of its id naming one backend, or none.
struct ServiceDef {
  uint32_t svc_id;
  IpAddress addr;
  uint16_t port;
  uint8_t proto;
  uint32_t backend_id;  // SLUICE_NO_BACKEND: the service has none
};
const ServiceDef kServices[] = {
    {1, kService4, 80, IPPROTO_TCP, 1},
    {2, kService4, 53, IPPROTO_UDP, 3},
    {3, kService6, 80, IPPROTO_TCP, 4},
    {4, kService6, 53, IPPROTO_UDP, 5},
    {5, kEmptyService4, 80, IPPROTO_TCP, SLUICE_NO_BACKEND},
    {6, kEmptyService4, 53, IPPROTO_UDP, SLUICE_NO_BACKEND},
    {7, kEmptyService6, 80, IPPROTO_TCP, SLUICE_NO_BACKEND},
    {8, kEmptyService6, 53, IPPROTO_UDP, SLUICE_NO_BACKEND},
};

struct BackendDef {
  uint32_t id;
  IpAddress addr;
  uint16_t port;
  uint32_t svc_id;
};
const BackendDef kBackends[] = {
    {1, kBackend4, 8080, 1},
    {2, kOtherBackend4, 8080, 1},  // in service 1, not in its first table
    {3, kBackend4, 5353, 2},
    {4, kBackend6, 8080, 3},
    {5, kBackend6, 5353, 4},
};

constexpr uint32_t kIngressPolicy = 20;
constexpr uint32_t kEgressPolicy = 10;

// A TCP or UDP flow; ports in host order.
struct Flow {
  IpAddress src;
  uint16_t sport;
  IpAddress dst;
  uint16_t dport;
  uint8_t proto;
};

Flow Reversed(const Flow& f) {
  return {f.dst, f.dport, f.src, f.sport, f.proto};
}

// The flow after DNAT to dst:dport.
Flow To(const Flow& f, const IpAddress& dst, uint16_t dport) {
  return {f.src, f.sport, dst, dport, f.proto};
}

std::string Describe(const Flow& f) {
  return absl::StrCat(f.src.ToString(), ":", f.sport, " > ", f.dst.ToString(),
                      ":", f.dport);
}

// The addresses and ports of a parsed packet, as Describe(Flow) has them.
std::string Describe(const ParsedPacket& p) {
  if (p.ip.empty()) return "no IP header";
  return absl::StrCat(p.ip[0].src, ":", p.l4.src_port, " > ", p.ip[0].dst, ":",
                      p.l4.dst_port);
}

IpAddress AddressOf(const __be32* words, uint8_t family) {
  if (family == SLUICE_FAMILY_V4) {
    in_addr a;
    std::memcpy(&a, words, sizeof(a));
    return a;
  }
  in6_addr a;
  std::memcpy(&a, words, sizeof(a));
  return a;
}

std::string Describe(const sluice_flow_key& k) {
  return absl::StrCat(AddressOf(k.src, k.family).ToString(), ":",
                      ntohs(k.sport), " > ",
                      AddressOf(k.dst, k.family).ToString(), ":",
                      ntohs(k.dport), " proto ", int{k.proto});
}

PacketBuilder& AddIp(PacketBuilder& b, const IpAddress& src,
                     const IpAddress& dst) {
  return src.is_v4() ? b.Ipv4(src, dst) : b.Ipv6(src, dst);
}

PacketBuilder IpFrame(const MacAddr& src_mac, const MacAddr& dst_mac,
                      const IpAddress& src, const IpAddress& dst) {
  PacketBuilder b = PacketBuilder().Eth(src_mac, dst_mac);
  return AddIp(b, src, dst);
}

// A frame the workload sends / one delivered to it, up to the IP header.
PacketBuilder FromWorkload(const IpAddress& src, const IpAddress& dst) {
  return IpFrame(kWorkloadMac, kHostMac, src, dst);
}
PacketBuilder ToWorkload(const IpAddress& src, const IpAddress& dst) {
  return IpFrame(kHostMac, kWorkloadMac, src, dst);
}

Bytes WithL4(PacketBuilder b, const Flow& f, uint8_t tcp_flags,
             bool zero_udp_checksum) {
  if (f.proto == IPPROTO_TCP) {
    b.Tcp(f.sport, f.dport, tcp_flags);
  } else {
    b.Udp(f.sport, f.dport);
    if (zero_udp_checksum) b.ZeroUdpChecksum();
  }
  return b.Payload("hello").Build();
}

Bytes Sent(const Flow& f, uint8_t tcp_flags = TcpFlags::kSyn,
           bool zero_udp_checksum = false) {
  return WithL4(FromWorkload(f.src, f.dst), f, tcp_flags, zero_udp_checksum);
}

Bytes Delivered(const Flow& f, uint8_t tcp_flags = kSynAck,
                bool zero_udp_checksum = false) {
  return WithL4(ToWorkload(f.src, f.dst), f, tcp_flags, zero_udp_checksum);
}

Bytes PingTo(const IpAddress& dst) {
  return FromWorkload(kClient4, dst).IcmpEcho(77, 1).Build();
}

// The start of a packet of `f` as an ICMP error quotes it: the IP header
// and the first 8 bytes of the transport header (RFC 792, 4443).
Bytes Quote(const Flow& f) {
  PacketBuilder b;
  const size_t ip_len = f.src.is_v4() ? kIpv4Len : kIpv6Len;
  AddIp(b, f.src, f.dst).Truncate(ip_len + 8);
  return WithL4(b, f, TcpFlags::kAck, false);
}

// Parses `frame`, expecting it whole, with valid checksums, carrying `f`.
ParsedPacket ParseCarrying(const Bytes& frame, const Flow& f) {
  ParsedPacket p = ParsePacket(frame);
  EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
  EXPECT_TRUE(p.checksums_ok()) << p.DebugString();
  EXPECT_EQ(Describe(p), Describe(f));
  return p;
}

class NodeDatapathTest : public EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    SetPolicies(0, 0);
    for (const ServiceDef& s : kServices) {
      PutRing(s.svc_id, {s.backend_id});
      PutService(s.addr, s.port, s.proto, s.svc_id, s.svc_id);
    }
    for (const BackendDef& b : kBackends) {
      PutBackend(b.id, b.addr, b.port, b.svc_id);
    }
  }

  // The endpoint with these policies (0 = none) in each direction.
  void SetPolicies(uint32_t ingress, uint32_t egress) {
    PutEndpoint(MakeEndpoint(kEndpointId, kClient4, kClient6, ingress, egress));
  }

  // Points service 1 (kService4:80/tcp) at a new table naming only
  // `backend_id`, as lbd replaces a table: under a new ring id.
  void ReplaceService1Ring(uint32_t backend_id) {
    constexpr uint32_t kNewRingId = 100;
    PutRing(kNewRingId, {backend_id});
    PutService(kService4, 80, IPPROTO_TCP, 1, kNewRingId);
  }
};

// --- Service DNAT and connection tracking ------------------------------------

const Flow kToService{kClient4, 40000, kService4, 80, IPPROTO_TCP};
const Flow kToBackend = To(kToService, kBackend4, 8080);
const Flow kToService6{kClient6, 40000, kService6, 80, IPPROTO_TCP};
const Flow kToBackend6 = To(kToService6, kBackend6, 8080);

TEST_F(NodeDatapathTest, NewTcpFlowToAServiceIsDnatedToItsBackend) {
  TcRun r = FromEndpoint(Sent(kToService));
  EXPECT_EQ(r.verdict, kPass);
  ParseCarrying(r.out, kToBackend);
  EXPECT_EQ(Moved(r.delta), "from_endpoint ct_newx2 svc_new dnat");
  EXPECT_EQ(Verdicts(r.delta), "pass");

  auto svc = Conntrack(
      CtKey(kClient4, 40000, kService4, 80, IPPROTO_TCP, SLUICE_CT_SERVICE));
  ASSERT_TRUE(svc.has_value()) << "no service entry (pre-NAT key)";
  EXPECT_EQ(svc->backend_id, 1u);
  EXPECT_EQ(svc->svc_id, 1u);

  auto conn = Conntrack(
      CtKey(kClient4, 40000, kBackend4, 8080, IPPROTO_TCP, SLUICE_CT_CONN));
  ASSERT_TRUE(conn.has_value()) << "no connection entry (post-NAT key)";
  EXPECT_TRUE(conn->flags & SLUICE_CT_NAT);
  EXPECT_EQ(AddressOf(conn->rev_addr, SLUICE_FAMILY_V4), kService4);
  EXPECT_EQ(ntohs(conn->rev_port), 80);
  EXPECT_EQ(conn->svc_id, 1u);
  EXPECT_NE(conn->last_seen_ns, 0u);
}

TEST_F(NodeDatapathTest, EstablishedFlowKeepsItsBackendWhenTheTableChanges) {
  ASSERT_EQ(FromEndpoint(Sent(kToService)).verdict, kPass);
  ReplaceService1Ring(2);

  TcRun r = FromEndpoint(Sent(kToService, TcpFlags::kAck));
  EXPECT_EQ(r.verdict, kPass);
  ParseCarrying(r.out, kToBackend);
  EXPECT_EQ(Moved(r.delta), "from_endpoint ct_forward dnat");

  // A new connection follows the new table.
  const Flow new_flow{kClient4, 40001, kService4, 80, IPPROTO_TCP};
  r = FromEndpoint(Sent(new_flow));
  ParseCarrying(r.out, To(new_flow, kOtherBackend4, 8080));
}

TEST_F(NodeDatapathTest, FlowWhoseBackendLeftTheServiceIsRepicked) {
  ASSERT_EQ(FromEndpoint(Sent(kToService)).verdict, kPass);
  ReplaceService1Ring(2);
  PutBackend(1, kBackend4, 8080, 1, SLUICE_BACKEND_COMMITTED);  // not LIVE

  TcRun r = FromEndpoint(Sent(kToService, TcpFlags::kAck));
  EXPECT_EQ(r.verdict, kPass);
  ParseCarrying(r.out, To(kToService, kOtherBackend4, 8080));
  EXPECT_EQ(Moved(r.delta), "from_endpoint ct_newx2 svc_new svc_stale dnat");
  auto svc = Conntrack(
      CtKey(kClient4, 40000, kService4, 80, IPPROTO_TCP, SLUICE_CT_SERVICE));
  ASSERT_TRUE(svc.has_value());
  EXPECT_EQ(svc->backend_id, 2u);
}

TEST_F(NodeDatapathTest, ServiceRoundTripIsTranslatedBothWays) {
  struct Case {
    std::string name;
    Flow to_service;
    IpAddress backend;
    uint16_t backend_port;
    bool zero_udp_checksum;
  };
  const Case cases[] = {
      {"TCP/IPv4", kToService, kBackend4, 8080, false},
      {"UDP/IPv4",
       {kClient4, 40000, kService4, 53, IPPROTO_UDP},
       kBackend4,
       5353,
       false},
      {"UDP/IPv4 without checksum",
       {kClient4, 40001, kService4, 53, IPPROTO_UDP},
       kBackend4,
       5353,
       true},
      {"TCP/IPv6", kToService6, kBackend6, 8080, false},
      {"UDP/IPv6",
       {kClient6, 40000, kService6, 53, IPPROTO_UDP},
       kBackend6,
       5353,
       false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Flow to_backend = To(c.to_service, c.backend, c.backend_port);
    TcRun request =
        FromEndpoint(Sent(c.to_service, TcpFlags::kSyn, c.zero_udp_checksum));
    EXPECT_EQ(request.verdict, kPass);
    ParsedPacket p = ParseCarrying(request.out, to_backend);
    if (c.zero_udp_checksum) {
      EXPECT_EQ(p.l4.checksum, 0) << "UDP without checksum stays so";
    }

    TcRun reply = ToEndpoint(
        Delivered(Reversed(to_backend), kSynAck, c.zero_udp_checksum));
    EXPECT_EQ(reply.verdict, kPass);
    p = ParseCarrying(reply.out, Reversed(c.to_service));
    if (c.zero_udp_checksum) {
      EXPECT_EQ(p.l4.checksum, 0) << "UDP without checksum stays so";
    }
    EXPECT_EQ(Moved(reply.delta), "to_endpoint ct_reply rev_nat");
  }
}

// --- ICMP errors about a service connection ----------------------------------

TEST_F(NodeDatapathTest, IcmpErrorAboutAServiceFlowIsTranslatedBack) {
  using AddError =
      PacketBuilder& (*)(PacketBuilder&, absl::Span<const uint8_t>);
  struct Case {
    std::string name;
    Flow to_service;
    IpAddress backend;
    uint16_t backend_port;
    IpAddress sender;  // of the error: the backend, or a router on the way
    AddError add_error;
  };
  const Case cases[] = {
      {"IPv4 fragmentation needed, from the backend", kToService, kBackend4,
       8080, kBackend4,
       [](PacketBuilder& b, absl::Span<const uint8_t> q) -> PacketBuilder& {
         return b.IcmpFragNeeded(1400, q);
       }},
      {"IPv4 port unreachable, from the backend",
       {kClient4, 40000, kService4, 53, IPPROTO_UDP},
       kBackend4,
       5353,
       kBackend4,
       [](PacketBuilder& b, absl::Span<const uint8_t> q) -> PacketBuilder& {
         return b.IcmpDestUnreachable(3, q);
       }},
      {"IPv4 time exceeded, from a router", kToService, kBackend4, 8080,
       kRouter4,
       [](PacketBuilder& b, absl::Span<const uint8_t> q) -> PacketBuilder& {
         return b.IcmpTimeExceeded(q);
       }},
      {"IPv6 packet too big, from the backend", kToService6, kBackend6, 8080,
       kBackend6,
       [](PacketBuilder& b, absl::Span<const uint8_t> q) -> PacketBuilder& {
         return b.Icmpv6PacketTooBig(1280, q);
       }},
      {"IPv6 port unreachable, from the backend",
       {kClient6, 40000, kService6, 53, IPPROTO_UDP},
       kBackend6,
       5353,
       kBackend6,
       [](PacketBuilder& b, absl::Span<const uint8_t> q) -> PacketBuilder& {
         return b.Icmpv6DestUnreachable(4, q);
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Flow& client = c.to_service;
    ASSERT_EQ(FromEndpoint(Sent(client)).verdict, kPass);
    const Bytes quote = Quote(To(client, c.backend, c.backend_port));
    PacketBuilder error = ToWorkload(c.sender, client.src);
    TcRun r = ToEndpoint(c.add_error(error, quote).Build());

    EXPECT_EQ(r.verdict, kPass);
    EXPECT_EQ(Moved(r.delta), "to_endpoint ct_related rev_nat");
    ParsedPacket p = ParsePacket(r.out);
    EXPECT_TRUE(p.ok()) << p.problem;
    EXPECT_TRUE(p.checksums_ok()) << "outer IP header or ICMP checksum\n"
                                  << p.DebugString();
    ASSERT_EQ(p.ip.size(), 1u);
    const IpAddress expected_sender =
        c.sender == c.backend ? client.dst : c.sender;
    EXPECT_EQ(IpAddress(p.ip[0].src), expected_sender);
    EXPECT_EQ(IpAddress(p.ip[0].dst), client.src);
    ASSERT_NE(p.l4.inner, nullptr) << p.DebugString();
    const ParsedPacket& quoted = *p.l4.inner;
    ASSERT_EQ(quoted.ip.size(), 1u) << p.DebugString();
    EXPECT_TRUE(quoted.ip[0].checksum_ok) << "quoted IPv4 header checksum";
    EXPECT_EQ(Describe(quoted), Describe(client));
  }
}

// Found by the fuzz test (datapath/fuzz): the bytes after the IP header of a
// later fragment are the middle of a datagram; when they looked like an ICMP
// error quoting a service connection, to-endpoint "reverse NATed" them.
TEST_F(NodeDatapathTest, LaterFragmentIsNoIcmpErrorAndPassesUntouched) {
  ASSERT_EQ(FromEndpoint(Sent(kToService)).verdict, kPass);
  const Bytes fragment = ToWorkload(kRouter4, kClient4)
                             .Fragment(64, false)
                             .IcmpFragNeeded(1400, Quote(kToBackend))
                             .Build();
  TcRun r = ToEndpoint(fragment);
  EXPECT_EQ(r.verdict, kPass);
  EXPECT_EQ(r.out, fragment);
}

// Found by the fuzz test: with a routing header's segments left, the
// transport checksum covers the final destination (RFC 8200 8.1), which DNAT
// does not change; adjusting it for the header's destination broke it.
TEST_F(NodeDatapathTest, DnatKeepsTheChecksumOfARoutedIpv6Packet) {
  const IpAddress final_destination("fd00:9::9");
  TcRun r = FromEndpoint(FromWorkload(kClient6, kService6)
                             .Routing(0, 1, {final_destination})
                             .Tcp(40000, 80, TcpFlags::kSyn)
                             .Payload("hello")
                             .Build());
  EXPECT_EQ(r.verdict, kPass);
  ParsedPacket p = ParsePacket(r.out);
  EXPECT_TRUE(p.ok()) << p.problem;
  EXPECT_EQ(Describe(p), Describe(kToBackend6));
  EXPECT_TRUE(p.checksums_ok()) << p.DebugString();
}

// --- Services without a backend ----------------------------------------------

TEST_F(NodeDatapathTest, ServiceWithoutBackendAnswersPortUnreachable) {
  struct Case {
    std::string name;
    Flow flow;
    uint8_t type, code;
  };
  const Case cases[] = {
      {"TCP SYN/IPv4",
       {kClient4, 40000, kEmptyService4, 80, IPPROTO_TCP},
       3,
       3},
      {"UDP/IPv4", {kClient4, 40000, kEmptyService4, 53, IPPROTO_UDP}, 3, 3},
      {"TCP SYN/IPv6",
       {kClient6, 40000, kEmptyService6, 80, IPPROTO_TCP},
       1,
       4},
      {"UDP/IPv6", {kClient6, 40000, kEmptyService6, 53, IPPROTO_UDP}, 1, 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Bytes in = Sent(c.flow);
    TcRun r = FromEndpoint(in);

    EXPECT_EQ(r.verdict, kRedirect);
    EXPECT_EQ(r.mark, SLUICE_MARK_REJECT);
    EXPECT_EQ(Verdicts(r.delta), "redirect");
    EXPECT_EQ(DropReasons(r.delta), "service_no_backend");
    EXPECT_EQ(Moved(r.delta), "from_endpoint reject_sent event_sent");

    ParsedPacket p = ParsePacket(r.out);
    EXPECT_TRUE(p.ok()) << p.problem << "\n" << p.DebugString();
    EXPECT_TRUE(p.checksums_ok()) << p.DebugString();
    ASSERT_TRUE(p.eth.has_value());
    EXPECT_EQ(p.eth->src, kHostMac);
    EXPECT_EQ(p.eth->dst, kWorkloadMac);
    ASSERT_EQ(p.ip.size(), 1u);
    EXPECT_EQ(IpAddress(p.ip[0].src), c.flow.dst);
    EXPECT_EQ(IpAddress(p.ip[0].dst), c.flow.src);
    EXPECT_EQ(p.l4.type, c.type);
    EXPECT_EQ(p.l4.code, c.code);
    const size_t quoted = (c.flow.src.is_v4() ? kIpv4Len : kIpv6Len) + 8;
    EXPECT_EQ(p.payload,
              Bytes(in.begin() + kEthLen, in.begin() + kEthLen + quoted))
        << "the quote: the original IP header and 8 bytes of TCP/UDP";
  }
}

TEST_F(NodeDatapathTest, RejectIsDeliveredToTheWorkloadUnexamined) {
  PutPolicy(kIngressPolicy, "0.0.0.0", 0, {Deny(1)});
  SetPolicies(kIngressPolicy, 0);
  TcRun reject =
      FromEndpoint(Sent({kClient4, 40000, kEmptyService4, 80, IPPROTO_TCP}));
  ASSERT_EQ(reject.mark, SLUICE_MARK_REJECT);

  TcRun r = ToEndpoint(reject.out, reject.mark);
  EXPECT_EQ(r.verdict, kPass);
  EXPECT_EQ(r.out, reject.out);
  EXPECT_EQ(Moved(r.delta), "");
  EXPECT_EQ(Verdicts(r.delta), "pass");
}

// --- Policy ------------------------------------------------------------------

const Flow kToPeer{kClient4, 40000, kPeer4, 443, IPPROTO_TCP};

TEST_F(NodeDatapathTest, AllowRulePassesAndCountsTheHit) {
  PutPolicy(kEgressPolicy, "10.0.3.0", 24, {Allow(101, IPPROTO_TCP, 443, 443)});
  SetPolicies(0, kEgressPolicy);
  const Bytes in = Sent(kToPeer);
  TcRun r = FromEndpoint(in);
  EXPECT_EQ(r.verdict, kPass);
  EXPECT_EQ(r.out, in);
  EXPECT_EQ(Moved(r.delta), "from_endpoint ct_new policy_allow event_sent");
  EXPECT_EQ(RuleCounter(101).packets, 1u);
  EXPECT_EQ(RuleCounter(101).bytes, in.size());

  std::vector<sluice_event> events = TakeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, SLUICE_EVENT_POLICY_ALLOW);
  EXPECT_EQ(events[0].rule_id, 101u);
}

TEST_F(NodeDatapathTest, DenyRuleDrops) {
  PutPolicy(kEgressPolicy, "10.0.3.0", 24, {Deny(102, IPPROTO_TCP, 443, 443)});
  SetPolicies(0, kEgressPolicy);
  TcRun r = FromEndpoint(Sent(kToPeer));
  EXPECT_EQ(r.verdict, kShot);
  EXPECT_EQ(DropReasons(r.delta), "policy_deny");
  EXPECT_EQ(RuleCounter(102).packets, 1u);
  EXPECT_FALSE(Conntrack(CtKey(kClient4, 40000, kPeer4, 443, IPPROTO_TCP,
                               SLUICE_CT_CONN))
                   .has_value());
}

TEST_F(NodeDatapathTest, PacketNoRuleAllowsIsDeniedByDefault) {
  PutPolicy(kEgressPolicy, "10.0.3.0", 24, {Allow(103, IPPROTO_UDP, 53, 53)});
  SetPolicies(0, kEgressPolicy);
  const Flow cases[] = {
      kToPeer,                                         // prefix known, no rule
      {kClient4, 40000, "10.9.9.9", 53, IPPROTO_UDP},  // no prefix at all
  };
  for (const Flow& f : cases) {
    SCOPED_TRACE(Describe(f));
    TcRun r = FromEndpoint(Sent(f));
    EXPECT_EQ(r.verdict, kShot);
    EXPECT_EQ(DropReasons(r.delta), "policy_default");
  }
  EXPECT_EQ(RuleCounter(103).packets, 0u);
}

TEST_F(NodeDatapathTest, DenyWinsOverAllowForTheSamePeer) {
  // Policy: allow 10.0.3.0/24; deny 10.0.3.4/32 tcp/443. lbd folds the /24's
  // rule into the /32's entry (listed first: the order must not matter).
  PutPolicy(kEgressPolicy, "10.0.3.0", 24, {Allow(104)});
  PutPolicy(kEgressPolicy, kPeer4, 32,
            {Allow(104), Deny(105, IPPROTO_TCP, 443, 443)});
  SetPolicies(0, kEgressPolicy);
  struct Case {
    Flow flow;
    uint32_t verdict;
  };
  const Case cases[] = {
      {kToPeer, kShot},
      {{kClient4, 40000, kPeer4, 80, IPPROTO_TCP}, kPass},
      {{kClient4, 40000, "10.0.3.5", 443, IPPROTO_TCP}, kPass},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(Describe(c.flow));
    EXPECT_EQ(FromEndpoint(Sent(c.flow)).verdict, c.verdict);
  }
  EXPECT_EQ(RuleCounter(105).packets, 1u);
  EXPECT_EQ(RuleCounter(104).packets, 2u);
}

TEST_F(NodeDatapathTest, PortRangeRuleCoversItsRangeOnly) {
  PutPolicy(kEgressPolicy, "10.0.3.0", 24,
            {Allow(106, IPPROTO_TCP, 8000, 8099)});
  SetPolicies(0, kEgressPolicy);
  struct Case {
    uint16_t port;
    uint32_t verdict;
  };
  const Case cases[] = {
      {7999, kShot}, {8000, kPass}, {8050, kPass}, {8099, kPass}, {8100, kShot},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.port);
    EXPECT_EQ(FromEndpoint(Sent({kClient4, 40000, kPeer4, c.port, IPPROTO_TCP}))
                  .verdict,
              c.verdict);
  }
  EXPECT_EQ(RuleCounter(106).packets, 3u);
}

TEST_F(NodeDatapathTest, RepliesPassADenyAllIngressPolicy) {
  PutPolicy(kIngressPolicy, "0.0.0.0", 0, {Deny(107)});
  SetPolicies(kIngressPolicy, 0);
  ASSERT_EQ(FromEndpoint(Sent(kToPeer)).verdict, kPass);

  TcRun reply = ToEndpoint(Delivered(Reversed(kToPeer)));
  EXPECT_EQ(reply.verdict, kPass);
  EXPECT_EQ(Moved(reply.delta), "to_endpoint ct_reply");

  const Flow not_replies[] = {
      {kPeer4, 40001, kClient4, 22, IPPROTO_TCP},   // a new connection
      {kPeer4, 443, kClient4, 40001, IPPROTO_TCP},  // another client port
  };
  for (const Flow& f : not_replies) {
    SCOPED_TRACE(Describe(f));
    TcRun r = ToEndpoint(Delivered(f));
    EXPECT_EQ(r.verdict, kShot);
    EXPECT_EQ(DropReasons(r.delta), "policy_deny");
  }
  EXPECT_EQ(RuleCounter(107).packets, 2u);
}

TEST_F(NodeDatapathTest, IcmpRuleAllowsIcmpOnly) {
  PutPolicy(kEgressPolicy, "10.0.3.0", 24, {Allow(108, IPPROTO_ICMP)});
  SetPolicies(0, kEgressPolicy);
  EXPECT_EQ(FromEndpoint(PingTo(kPeer4)).verdict, kPass);
  EXPECT_EQ(FromEndpoint(Sent(kToPeer)).verdict, kShot);
  EXPECT_EQ(RuleCounter(108).packets, 1u);
}

TEST_F(NodeDatapathTest, AnyProtocolRuleWithPortsDoesNotMatchIcmp) {
  struct Case {
    std::string name;
    sluice_policy_rule rule;
    uint32_t ping_verdict;
  };
  const Case cases[] = {
      {"any protocol, port 443", Allow(109, 0, 443, 443), kShot},
      {"any protocol, every port", Allow(110), kPass},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PutPolicy(kEgressPolicy, "10.0.3.0", 24, {c.rule});
    SetPolicies(0, kEgressPolicy);
    EXPECT_EQ(FromEndpoint(Sent(kToPeer)).verdict, kPass);
    EXPECT_EQ(
        FromEndpoint(Sent({kClient4, 40000, kPeer4, 443, IPPROTO_UDP})).verdict,
        kPass);
    EXPECT_EQ(FromEndpoint(PingTo(kPeer4)).verdict, c.ping_verdict);
  }
}

TEST_F(NodeDatapathTest, EgressPolicyJudgesTheBackendNotTheService) {
  SetPolicies(0, kEgressPolicy);
  PutPolicy(kEgressPolicy, kService4, 32, {Allow(111, IPPROTO_TCP, 80, 80)});
  const Bytes in = Sent(kToService);
  TcRun r = FromEndpoint(in);
  EXPECT_EQ(r.verdict, kShot) << "only the service address is allowed";
  EXPECT_EQ(DropReasons(r.delta), "policy_default");
  EXPECT_EQ(r.out, in);
  EXPECT_FALSE(Conntrack(CtKey(kClient4, 40000, kService4, 80, IPPROTO_TCP,
                               SLUICE_CT_SERVICE))
                   .has_value());

  PutPolicy(kEgressPolicy, kBackend4, 32,
            {Allow(112, IPPROTO_TCP, 8080, 8080)});
  r = FromEndpoint(in);
  EXPECT_EQ(r.verdict, kPass);
  ParseCarrying(r.out, kToBackend);
  EXPECT_EQ(RuleCounter(112).packets, 1u);
  EXPECT_EQ(RuleCounter(111).packets, 0u);
}

// --- Malformed and other input -----------------------------------------------

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
