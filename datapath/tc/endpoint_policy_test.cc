// The node datapath under BPF_PROG_TEST_RUN: stateful endpoint policy: allow, deny, default
// deny, port ranges, ICMP, replies, egress.
// The world (endpoint, services, policies, fixture): endpoint_test_world.h.
#include "datapath/tc/endpoint_test_world.h"

namespace sluice::testing {
namespace {

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

}  // namespace
}  // namespace sluice::testing
