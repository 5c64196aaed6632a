#include "cli/policy_file.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cli {
namespace {

// The example of docs/policy.md.
constexpr char kExample[] = R"({
  "ingress": [
    {"action": "allow", "peer": "10.0.1.2/32", "protocol": "tcp", "ports": "8080"},
    {"action": "deny", "peer": "10.0.0.0/8", "protocol": "any"}
  ],
  "egress": [
    {"action": "allow", "protocol": "udp", "ports": "53"},
    {"action": "allow", "peer": "::/0", "protocol": "tcp", "ports": "8000-8099"}
  ]
}
)";

sluice::v1::Policy MustParse(const std::string& text) {
  auto policy = ParsePolicyFile(text, "p.json");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : sluice::v1::Policy();
}

void ExpectError(const std::string& text, const std::string& message) {
  auto policy = ParsePolicyFile(text, "p.json");
  ASSERT_FALSE(policy.ok()) << "accepted: " << text;
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(policy.status().message(), message);
}

TEST(PolicyFile, Example) {
  sluice::v1::Policy p = MustParse(kExample);
  EXPECT_EQ(p.ShortDebugString(),
            "ingress { rules { action: RULE_ACTION_ALLOW peer: \"10.0.1.2/32\" "
            "protocol: RULE_PROTOCOL_TCP port_min: 8080 port_max: 8080 } "
            "rules { action: RULE_ACTION_DENY peer: \"10.0.0.0/8\" } } "
            "egress { rules { action: RULE_ACTION_ALLOW protocol: RULE_PROTOCOL_UDP "
            "port_min: 53 port_max: 53 } "
            "rules { action: RULE_ACTION_ALLOW peer: \"::/0\" protocol: RULE_PROTOCOL_TCP "
            "port_min: 8000 port_max: 8099 } }");
}

TEST(PolicyFile, MissingDirectionIsOpenEmptyListDeniesAll) {
  sluice::v1::Policy open = MustParse("{}");
  EXPECT_FALSE(open.has_ingress());
  EXPECT_FALSE(open.has_egress());

  sluice::v1::Policy closed = MustParse(R"({"egress": []})");
  EXPECT_FALSE(closed.has_ingress());
  EXPECT_TRUE(closed.has_egress());
  EXPECT_EQ(closed.egress().rules_size(), 0);
}

TEST(PolicyFile, DefaultsAndPortForms) {
  sluice::v1::Policy p = MustParse(R"({"ingress": [
      {"action": "deny"},
      {"action": "allow", "ports": 443},
      {"action": "allow", "protocol": "udp", "ports": "0-1023"},
      {"action": "allow", "protocol": "icmp", "peer": "2001:db8::1"}]})");
  ASSERT_EQ(p.ingress().rules_size(), 4);
  const auto& deny = p.ingress().rules(0);
  EXPECT_EQ(deny.peer(), "");
  EXPECT_EQ(deny.protocol(), sluice::v1::RULE_PROTOCOL_ANY);
  EXPECT_EQ(deny.port_max(), 0u);  // every port
  EXPECT_EQ(p.ingress().rules(1).port_min(), 443u);
  EXPECT_EQ(p.ingress().rules(1).port_max(), 443u);
  EXPECT_EQ(p.ingress().rules(2).port_min(), 0u);
  EXPECT_EQ(p.ingress().rules(2).port_max(), 1023u);
  EXPECT_EQ(p.ingress().rules(3).protocol(), sluice::v1::RULE_PROTOCOL_ICMP);
}

TEST(PolicyFile, ErrorsNameTheRule) {
  ExpectError(R"({"ingress": [{"action": "allow"}, {"action": "allow", "ports": "90-80"}]})",
              "p.json: ingress rule 2: \"ports\": \"90-80\" is not a port range "
              "(want N or \"N-M\", N <= M <= 65535)");
  ExpectError(R"({"egress": [{"peer": "10.0.0.1"}]})",
              "p.json: egress rule 1: \"action\" is required (allow or deny)");
  ExpectError(R"({"egress": [{"action": "permit"}]})",
              "p.json: egress rule 1: \"action\": \"permit\" is not one of allow, deny");
  ExpectError(R"({"egress": [{"action": "allow", "protocol": "sctp"}]})",
              "p.json: egress rule 1: \"protocol\": \"sctp\" is not one of tcp, udp, icmp, any");
  ExpectError(R"({"egress": [{"action": "allow", "peer": "10.0.0.0/33"}]})",
              "p.json: egress rule 1: \"peer\": '10.0.0.0/33': prefix length must be 0..32");
  ExpectError(R"({"egress": [{"action": "allow", "peer": "10.1.2.3/8"}]})",
              "p.json: egress rule 1: \"peer\": '10.1.2.3/8' has host bits set beyond /8 "
              "(the prefix is 10.0.0.0/8)");
  ExpectError(R"({"egress": [{"action": "allow", "peer": "::ffff:10.0.0.0/104"}]})",
              "p.json: egress rule 1: \"peer\": '::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 "
              "prefix: use the IPv4 form 10.0.0.0/8");
  ExpectError(R"({"egress": [{"action": "allow", "peer": "10.0.0.1\u0000junk"}]})",
              "p.json: egress rule 1: \"peer\": '10.0.0.1\\x00junk' is not a CIDR prefix");
  ExpectError("{\"egress\": [{\"action\": \"" + std::string(300, 'a') + "\"}]}",
              "p.json: egress rule 1: \"action\": \"" + std::string(99, 'a') +
                  "... is not one of allow, deny");
  ExpectError(R"({"egress": [{"action": "allow", "peer": 10}]})",
              "p.json: egress rule 1: \"peer\": 10 is not a CIDR prefix or IP address");
  ExpectError(R"({"egress": [{"action": "allow", "port": 80}]})",
              "p.json: egress rule 1: unknown key \"port\" (want action, peer, protocol, ports)");
  ExpectError(R"({"egress": [{"action": "allow", "protocol": "icmp", "ports": 8}]})",
              "p.json: egress rule 1: \"ports\" applies to tcp, udp or any, not to icmp");
  ExpectError(R"({"egress": ["allow"]})",
              "p.json: egress rule 1: \"allow\" is not an object ({\"action\": ...})");
  ExpectError(R"({"ingres": []})",
              "p.json: unknown key \"ingres\" (want ingress and/or egress)");
  ExpectError(R"({"ingress": {"action": "allow"}})",
              "p.json: \"ingress\": {\"action\":\"allow\"} is not a list of rules");
}

TEST(PolicyFile, BadPorts) {
  for (const char* ports : {"0", "\"0\"", "\"0-0\"", "65536", "\"65536\"", "8.5", "-1", "\"\"",
                            "\"80-\"", "\"-80\"", "\"+80\"", "\"80 \"", "\"1-2-3\"", "true",
                            "\"http\"", "\"100000\""}) {
    auto p = ParsePolicyFile(
        absl::StrCat(R"({"ingress": [{"action": "allow", "ports": )", ports, "}]}"), "f");
    EXPECT_FALSE(p.ok()) << ports;
    EXPECT_THAT(std::string(p.status().message()), ::testing::HasSubstr("is not a port range")) << ports;
  }
  sluice::v1::Policy max = MustParse(R"({"ingress": [{"action": "allow", "ports": "65535"}]})");
  EXPECT_EQ(max.ingress().rules(0).port_min(), 65535u);
}

TEST(PolicyFile, NotJson) {
  for (const char* text : {"", "ingress", "[]", "{\"ingress\": [}", "{} {}"}) {
    auto p = ParsePolicyFile(text, "stdin");
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_THAT(std::string(p.status().message()), ::testing::StartsWith("stdin: not a JSON object")) << text;
  }
}

TEST(PolicyFile, FormatRoundTrips) {
  std::string text = FormatPolicyFile(MustParse(kExample));
  EXPECT_EQ(text, kExample);
  EXPECT_EQ(FormatPolicyFile(MustParse(text)), text);

  EXPECT_EQ(FormatPolicyFile(sluice::v1::Policy()), "{}\n");
  sluice::v1::Policy closed;
  closed.mutable_ingress();
  EXPECT_EQ(FormatPolicyFile(closed), "{\n  \"ingress\": []\n}\n");
  EXPECT_EQ(FormatPolicyFile(MustParse(FormatPolicyFile(closed))), FormatPolicyFile(closed));
}

TEST(PolicyFile, Words) {
  sluice::v1::PolicyRule rule;
  EXPECT_EQ(PortsText(rule), "");
  rule.set_port_min(80);
  rule.set_port_max(80);
  EXPECT_EQ(PortsText(rule), "80");
  rule.set_port_max(90);
  EXPECT_EQ(PortsText(rule), "80-90");
  EXPECT_EQ(ActionWord(sluice::v1::RULE_ACTION_DENY), "deny");
  EXPECT_EQ(ProtocolWord(sluice::v1::RULE_PROTOCOL_ICMP), "icmp");
}

}  // namespace
}  // namespace sluice::cli
