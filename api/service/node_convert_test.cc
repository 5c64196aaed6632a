#include "api/service/node_convert.h"

#include <arpa/inet.h>

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sluice::api {
namespace {

template <typename T>
T Proto(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result, const std::string& message) {
  ASSERT_FALSE(result.ok()) << "accepted; want: " << message;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), message);
}

IpAddress Ip(const std::string& text) { return *ParseIpAddress(text); }

absl::StatusOr<node::EndpointSpec> Endpoint(const std::string& text) {
  return ToEndpointSpec(Proto<v1::Endpoint>(text), "endpoint");
}

TEST(EndpointConvert, BothFamiliesOrOne) {
  auto both = Endpoint(R"pb(name: "web-1.a_b" iface: "veth1" ipv4: "10.0.1.2"
                            ipv6: "2001:db8::2")pb");
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->name, "web-1.a_b");
  EXPECT_EQ(both->iface, "veth1");
  EXPECT_EQ(both->ipv4, Ip("10.0.1.2"));
  EXPECT_EQ(both->ipv6, Ip("2001:db8::2"));
  EXPECT_EQ(ToProto(*both).ShortDebugString(),
            "name: \"web-1.a_b\" iface: \"veth1\" ipv4: \"10.0.1.2\" ipv6: \"2001:db8::2\"");

  auto v6 = Endpoint(R"pb(name: "db" iface: "veth2" ipv6: "2001:db8::3")pb");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_FALSE(v6->ipv4.has_value());
}

TEST(EndpointConvert, Errors) {
  ExpectInvalid(Endpoint(R"pb(iface: "v" ipv4: "10.0.0.1")pb"), "endpoint.name: required");
  ExpectInvalid(Endpoint(R"pb(name: "a b" iface: "v" ipv4: "10.0.0.1")pb"),
                "endpoint.name: 'a b' is not an endpoint name (1 to 47 of A-Z a-z 0-9 . _ -)");
  std::string long_name(48, 'x');
  ExpectInvalid(Endpoint("name: '" + long_name + "' iface: 'v' ipv4: '10.0.0.1'"),
                "endpoint.name: '" + long_name +
                    "' is not an endpoint name (1 to 47 of A-Z a-z 0-9 . _ -)");
  EXPECT_TRUE(Endpoint("name: '" + long_name.substr(1) + "' iface: 'v' ipv4: '10.0.0.1'").ok());
  ExpectInvalid(Endpoint(R"pb(name: "a" ipv4: "10.0.0.1")pb"), "endpoint.iface: required");
  ExpectInvalid(Endpoint(R"pb(name: "a" iface: "v")pb"),
                "endpoint: ipv4 or ipv6 required (or both)");
  ExpectInvalid(Endpoint(R"pb(name: "a" iface: "v" ipv4: "10.0.0.300")pb"),
                "endpoint.ipv4: '10.0.0.300' is not an IP address");
  ExpectInvalid(Endpoint(R"pb(name: "a" iface: "v" ipv4: "2001:db8::1")pb"),
                "endpoint.ipv4: '2001:db8::1' is not an IPv4 address");
  ExpectInvalid(Endpoint(R"pb(name: "a" iface: "v" ipv6: "10.0.0.1")pb"),
                "endpoint.ipv6: '10.0.0.1' is not an IPv6 address");
  EXPECT_EQ(CheckEndpointName("", "name").message(), "name: required");
}

// What the kernel would never name an interface is refused, not looked up:
// if_nametoindex() stops at a NUL, so "fz0\0junk" used to attach to fz0 and
// store the junk (found by the gRPC fuzz, docs/testing-fuzz.md).
TEST(EndpointConvert, InterfaceNames) {
  auto with_iface = [](const std::string& iface) {
    v1::Endpoint e;
    e.set_name("a");
    e.set_iface(iface);
    e.set_ipv4("10.0.0.1");
    return ToEndpointSpec(e, "endpoint");
  };
  EXPECT_TRUE(with_iface("lxc-1_a.b@x").ok());
  EXPECT_TRUE(with_iface(std::string(15, 'v')).ok());
  ExpectInvalid(with_iface(std::string("veth1\0junk", 10)),
                "endpoint.iface: 'veth1\\x00junk' is not an interface name "
                "(1 to 15 bytes, no '/', ':', space or control character, not '.' or '..')");
  for (const std::string bad : {std::string(16, 'v'), std::string("veth 1"), std::string("a/b"),
                                std::string("a:1"), std::string("."), std::string(".."),
                                std::string("veth1\n"), std::string("v\tx")}) {
    EXPECT_FALSE(with_iface(bad).ok()) << bad;
  }
}

TEST(EndpointConvert, AddressesThatCanNeverWork) {
  ExpectInvalid(Endpoint(R"pb(name: "a" iface: "v" ipv6: "::ffff:10.0.0.1")pb"),
                "endpoint.ipv6: '::ffff:10.0.0.1' is an IPv4-mapped IPv6 address: "
                "use the IPv4 form 10.0.0.1");
  ExpectInvalid(Endpoint(R"pb(name: "a" iface: "v" ipv4: "0.0.0.0")pb"),
                "endpoint.ipv4: '0.0.0.0' is the unspecified address, not a unicast host address");
  ExpectInvalid(Endpoint(R"pb(name: "a" iface: "v" ipv6: "ff02::1")pb"),
                "endpoint.ipv6: 'ff02::1' is a multicast address, not a unicast host address");
  v1::Endpoint nul = Proto<v1::Endpoint>(R"pb(name: "a" iface: "v")pb");
  nul.set_ipv4(std::string("10.0.0.1\0junk", 13));
  ExpectInvalid(ToEndpointSpec(nul, "endpoint"),
                "endpoint.ipv4: '10.0.0.1\\x00junk' is not an IP address");
  ExpectInvalid(Endpoint("name: '" + std::string(300, 'n') + "' iface: 'v' ipv4: '10.0.0.1'"),
                "endpoint.name: '" + std::string(100, 'n') +
                    "...' is not an endpoint name (1 to 47 of A-Z a-z 0-9 . _ -)");
}

absl::StatusOr<node::ServiceSpec> Service(const std::string& text) {
  return ToServiceSpec(Proto<v1::Service>(text), "service");
}

TEST(ServiceConvert, BackendsAndDefaultWeight) {
  auto s = Service(R"pb(vip { address: "10.96.0.10" port: 80 protocol: PROTOCOL_TCP }
                        backends { address: "10.0.1.2" port: 8080 }
                        backends { address: "10.0.1.3" port: 8080 weight: 0 })pb");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->key.address, Ip("10.96.0.10"));
  EXPECT_EQ(s->key.port, 80);
  EXPECT_EQ(s->key.proto, IPPROTO_TCP);
  ASSERT_EQ(s->backends.size(), 2u);
  EXPECT_EQ(s->backends[0].weight, 100u);
  EXPECT_EQ(s->backends[0].port, 8080);
  EXPECT_EQ(s->backends[1].weight, 0u);
  EXPECT_EQ(ToProto(*s).ShortDebugString(),
            "vip { address: \"10.96.0.10\" port: 80 protocol: PROTOCOL_TCP } "
            "backends { address: \"10.0.1.2\" port: 8080 weight: 100 } "
            "backends { address: \"10.0.1.3\" port: 8080 weight: 0 }");
}

TEST(ServiceConvert, Errors) {
  const std::string vip = R"pb(vip { address: "10.96.0.10" port: 80 protocol: PROTOCOL_UDP })pb";
  ExpectInvalid(Service(vip + R"pb(backends { address: "10.0.1.2" port: 53 }
                                   backends { address: "10.0.0.300" port: 53 })pb"),
                "service.backends[1].address: '10.0.0.300' is not an IP address");
  ExpectInvalid(Service(vip + R"pb(backends { address: "10.0.1.2" })pb"),
                "service.backends[0].port: 0 is not a port (1-65535)");
  ExpectInvalid(Service(vip + R"pb(backends { address: "10.0.1.2" port: 65536 })pb"),
                "service.backends[0].port: 65536 is not a port (1-65535)");
  ExpectInvalid(Service(vip + R"pb(backends { address: "10.0.1.2" port: 53 weight: 65536 })pb"),
                "service.backends[0].weight: 65536 is above the maximum 65535");
  EXPECT_TRUE(Service(vip + R"pb(backends { address: "10.0.1.2" port: 53 weight: 65535 })pb").ok());
  ExpectInvalid(Service(R"pb(vip { address: "10.96.0.10" protocol: PROTOCOL_TCP })pb"),
                "service.vip.port: required (a service has a port, 1-65535)");
  ExpectInvalid(Service(R"pb(vip { address: "10.96.0.10" port: 80 })pb"),
                "service.vip.protocol: must be TCP or UDP");
  ExpectInvalid(Service(""), "service.vip.address: required");
  ExpectInvalid(Service(R"pb(vip { address: "224.0.0.10" port: 80 protocol: PROTOCOL_UDP })pb"),
                "service.vip.address: '224.0.0.10' is a multicast address, "
                "not a unicast host address");
  ExpectInvalid(Service(R"pb(vip { address: "::ffff:10.96.0.10" port: 80 protocol: PROTOCOL_UDP })pb"),
                "service.vip.address: '::ffff:10.96.0.10' is an IPv4-mapped IPv6 address: "
                "use the IPv4 form 10.96.0.10");
  ExpectInvalid(Service(vip + R"pb(backends { address: "10.96.0.10" port: 53 })pb"),
                "service.backends[0].address: '10.96.0.10' is the VIP's own address");
  ExpectInvalid(Service(vip + R"pb(backends { address: "255.255.255.255" port: 53 })pb"),
                "service.backends[0].address: '255.255.255.255' is the broadcast address, "
                "not a unicast host address");
  ExpectInvalid(Service(vip + R"pb(backends { address: "::ffff:10.0.1.2" port: 53 })pb"),
                "service.backends[0].address: '::ffff:10.0.1.2' is an IPv4-mapped IPv6 address: "
                "use the IPv4 form 10.0.1.2");
  ExpectInvalid(ToServiceKey(Proto<v1::Vip>(R"pb(address: "10.96.0.10" protocol: PROTOCOL_TCP)pb"),
                             "vip"),
                "vip.port: required (a service has a port, 1-65535)");
}

absl::StatusOr<node::PolicySpec> Policy(const std::string& text) {
  return ToPolicySpec(Proto<v1::Policy>(text), "policy");
}

TEST(PolicyConvert, DirectionsAndRules) {
  auto open = Policy("");
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_FALSE(open->ingress.has_value());
  EXPECT_FALSE(open->egress.has_value());

  auto p = Policy(R"pb(ingress {
                         rules { action: RULE_ACTION_ALLOW peer: "10.0.1.2/32"
                                 protocol: RULE_PROTOCOL_TCP port_min: 8080 port_max: 8080 }
                         rules { action: RULE_ACTION_DENY peer: "10.0.0.0/8" }
                         rules { action: RULE_ACTION_ALLOW peer: "2001:db8::/32"
                                 protocol: RULE_PROTOCOL_ICMP }
                       }
                       egress {})pb");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(p->ingress.has_value());
  ASSERT_EQ(p->ingress->size(), 3u);
  const node::PolicyRuleSpec& tcp = (*p->ingress)[0];
  EXPECT_EQ(tcp.action, node::RuleAction::kAllow);
  EXPECT_EQ(tcp.peer->ToString(), "10.0.1.2/32");
  EXPECT_EQ(tcp.proto, IPPROTO_TCP);
  EXPECT_EQ(tcp.port_min, 8080);
  EXPECT_EQ(tcp.port_max, 8080);
  const node::PolicyRuleSpec& deny = (*p->ingress)[1];
  EXPECT_EQ(deny.action, node::RuleAction::kDeny);
  EXPECT_EQ(deny.peer->ToString(), "10.0.0.0/8");
  EXPECT_EQ(deny.proto, 0);
  EXPECT_EQ(deny.port_min, 0);  // 0/0 = every port
  EXPECT_EQ(deny.port_max, 65535);
  EXPECT_EQ((*p->ingress)[2].proto, IPPROTO_ICMP);  // ICMPv6 for this IPv6 peer
  ASSERT_TRUE(p->egress.has_value());
  EXPECT_TRUE(p->egress->empty());  // present and empty: deny everything

  // Back to the API: every port is 0/0 again; an empty direction stays present.
  EXPECT_EQ(ToProto(*p).ShortDebugString(),
            "ingress { rules { action: RULE_ACTION_ALLOW peer: \"10.0.1.2/32\" "
            "protocol: RULE_PROTOCOL_TCP port_min: 8080 port_max: 8080 } "
            "rules { action: RULE_ACTION_DENY peer: \"10.0.0.0/8\" } "
            "rules { action: RULE_ACTION_ALLOW peer: \"2001:db8::/32\" "
            "protocol: RULE_PROTOCOL_ICMP } } egress { }");
}

TEST(PolicyConvert, Errors) {
  ExpectInvalid(Policy(R"pb(ingress { rules { peer: "10.0.0.1" } })pb"),
                "policy.ingress.rules[0].action: required (ALLOW or DENY)");
  ExpectInvalid(Policy(R"pb(egress { rules { action: RULE_ACTION_ALLOW }
                                     rules { action: RULE_ACTION_DENY peer: "10.0.0.0/33" } })pb"),
                "policy.egress.rules[1].peer: '10.0.0.0/33': prefix length must be 0..32");
  ExpectInvalid(Policy(R"pb(egress { rules { action: RULE_ACTION_DENY peer: "nope" } })pb"),
                "policy.egress.rules[0].peer: 'nope' is not a CIDR prefix");
  ExpectInvalid(Policy(R"pb(egress { rules { action: RULE_ACTION_DENY peer: "10.1.2.3/8" } })pb"),
                "policy.egress.rules[0].peer: '10.1.2.3/8' has host bits set beyond /8 "
                "(the prefix is 10.0.0.0/8)");
  ExpectInvalid(Policy(R"pb(egress { rules { action: RULE_ACTION_DENY peer: "10.0.0.0/ 8" } })pb"),
                "policy.egress.rules[0].peer: '10.0.0.0/ 8': prefix length must be 0..32");
  ExpectInvalid(Policy(R"pb(egress { rules { action: RULE_ACTION_DENY
                                             peer: "::ffff:10.0.0.0/104" } })pb"),
                "policy.egress.rules[0].peer: '::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 "
                "prefix: use the IPv4 form 10.0.0.0/8");
  ExpectInvalid(Policy(R"pb(ingress { rules { action: RULE_ACTION_ALLOW }
                                      rules { action: RULE_ACTION_ALLOW }
                                      rules { action: RULE_ACTION_ALLOW
                                              port_min: 90 port_max: 80 } })pb"),
                "policy.ingress.rules[2].port_max: 80 is below port_min 90");
  ExpectInvalid(Policy(R"pb(ingress { rules { action: RULE_ACTION_ALLOW port_max: 65536 } })pb"),
                "policy.ingress.rules[0].port_max: 65536 is not a port (0-65535)");
  ExpectInvalid(Policy(R"pb(ingress { rules { action: RULE_ACTION_ALLOW port_min: 70000 } })pb"),
                "policy.ingress.rules[0].port_min: 70000 is not a port (0-65535)");
  ExpectInvalid(Policy(R"pb(ingress { rules { action: RULE_ACTION_ALLOW
                                              protocol: RULE_PROTOCOL_ICMP port_max: 8 } })pb"),
                "policy.ingress.rules[0].port_min: ports apply to TCP, UDP or ANY, not ICMP");
  v1::Policy unknown;
  unknown.mutable_ingress()->add_rules()->set_action(v1::RULE_ACTION_ALLOW);
  unknown.mutable_ingress()->mutable_rules(0)->set_protocol(static_cast<v1::RuleProtocol>(9));
  ExpectInvalid(ToPolicySpec(unknown, "policy"),
                "policy.ingress.rules[0].protocol: unknown protocol");
}

TEST(PolicyConvert, RangesAndPortZero) {
  auto p = Policy(R"pb(egress { rules { action: RULE_ACTION_ALLOW protocol: RULE_PROTOCOL_UDP
                                        port_min: 0 port_max: 1023 } })pb");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p->egress)[0].port_min, 0);
  EXPECT_EQ((*p->egress)[0].port_max, 1023);
  EXPECT_EQ(ToProto((*p->egress)[0]).port_max(), 1023u);
}

TEST(StatsConvert, RuleHits) {
  node::RuleHits hits;
  hits.endpoint = "web-1";
  hits.direction = node::Direction::kEgress;
  hits.index = 3;
  hits.rule.action = node::RuleAction::kDeny;
  hits.rule.proto = IPPROTO_UDP;
  hits.rule.port_min = hits.rule.port_max = 53;
  hits.packets = 12;
  hits.bytes = 1200;
  EXPECT_EQ(ToProto(hits).ShortDebugString(),
            "endpoint: \"web-1\" direction: \"egress\" index: 3 "
            "rule { action: RULE_ACTION_DENY protocol: RULE_PROTOCOL_UDP port_min: 53 "
            "port_max: 53 } hits { packets: 12 bytes: 1200 }");
}

sluice_event RawEvent(uint8_t type, uint8_t family, const std::string& src,
                      const std::string& dst, uint8_t proto) {
  sluice_event raw{};
  raw.time_ns = 5'000'000'123;
  raw.type = type;
  raw.direction = SLUICE_INGRESS;
  raw.flow.family = family;
  raw.flow.proto = proto;
  Ip(src).ToWords(raw.flow.src);
  Ip(dst).ToWords(raw.flow.dst);
  raw.flow.sport = htons(40000);
  raw.flow.dport = htons(8080);
  return raw;
}

TEST(EventConvert, DropAndAllow) {
  node::NodeEvent drop{RawEvent(SLUICE_EVENT_DROP, SLUICE_FAMILY_V4, "10.0.2.5", "10.0.1.2",
                              IPPROTO_TCP),
                     7};
  drop.raw.reason = SLUICE_DROP_POLICY_DENY;
  EXPECT_EQ(ToProto(drop, {"web-1", 1}).ShortDebugString(),
            "type: TYPE_DROP time_ns: 5000000123 endpoint: \"web-1\" direction: \"ingress\" "
            "reason: \"policy_deny\" rule_index: 1 protocol: \"tcp\" source: \"10.0.2.5\" "
            "source_port: 40000 destination: \"10.0.1.2\" destination_port: 8080 "
            "suppressed: 7");

  node::NodeEvent allow{RawEvent(SLUICE_EVENT_POLICY_ALLOW, SLUICE_FAMILY_V6, "2001:db8::5",
                               "2001:db8::2", IPPROTO_ICMPV6)};
  allow.raw.direction = SLUICE_EGRESS;
  v1::Event e = ToProto(allow, {"", -1});
  EXPECT_EQ(e.type(), v1::Event::TYPE_POLICY_ALLOW);
  EXPECT_EQ(e.reason(), "");
  EXPECT_EQ(e.endpoint(), "");
  EXPECT_EQ(e.direction(), "egress");
  EXPECT_EQ(e.rule_index(), -1);
  EXPECT_EQ(e.protocol(), "icmpv6");
  EXPECT_EQ(e.source(), "2001:db8::5");
  EXPECT_EQ(e.destination(), "2001:db8::2");

  node::NodeEvent other{RawEvent(SLUICE_EVENT_DROP, SLUICE_FAMILY_V4, "10.0.2.5", "10.0.1.2", 47)};
  EXPECT_EQ(ToProto(other, {}).protocol(), "47");
  other.raw.flow.proto = IPPROTO_UDP;
  EXPECT_EQ(ToProto(other, {}).protocol(), "udp");
  other.raw.flow.proto = IPPROTO_ICMP;
  EXPECT_EQ(ToProto(other, {}).protocol(), "icmp");
}

}  // namespace
}  // namespace sluice::api
