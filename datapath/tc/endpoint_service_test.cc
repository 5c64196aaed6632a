// The node datapath under BPF_PROG_TEST_RUN: service DNAT with connection tracking, reverse
// NAT of replies and ICMP errors, rejects for services without backends.
// The world (endpoint, services, policies, fixture): endpoint_test_world.h.
#include "datapath/tc/endpoint_test_world.h"

namespace sluice::testing {
namespace {

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

}  // namespace
}  // namespace sluice::testing
