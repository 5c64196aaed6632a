#include "api/service/node_convert.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "api/service/convert.h"
#include "base/address_rules.h"
#include "base/quote_value.h"
#include "base/status_macros.h"
#include "datapath/maps/counter_names.h"

namespace sluice::api {
namespace {

constexpr uint32_t kMaxPort = 65535;
constexpr uint32_t kMaxWeight = 65535;
constexpr uint32_t kDefaultWeight = 100;
constexpr size_t kMaxEndpointName = SLUICE_ENDPOINT_NAME_MAX - 1;  // NUL-terminated in the map
constexpr size_t kMaxInterfaceName = IFNAMSIZ - 1;

absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::StatusOr<IpAddress> ToFamilyAddress(const std::string& text, int family,
                                              const std::string& field) {
  ASSIGN_OR_RETURN(IpAddress address, ToAddress(text, field));
  RETURN_IF_ERROR(InField(field, CheckUnicast(address)));
  if (address.family != family) {
    return Invalid(field, absl::StrCat(QuoteValue(text), " is not an ",
                                       family == AF_INET ? "IPv4" : "IPv6", " address"));
  }
  return address;
}

// The kernel's rule for a device name (dev_valid_name). Checked here because
// if_nametoindex() reads up to a NUL: "veth1\0junk" would find veth1.
absl::Status CheckInterfaceName(const std::string& name, const std::string& field) {
  if (name.empty()) return Invalid(field, "required");
  bool ok = name.size() <= kMaxInterfaceName && name != "." && name != "..";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    ok = ok && c != '/' && c != ':' && !absl::ascii_isspace(u) && !absl::ascii_iscntrl(u);
  }
  if (!ok) {
    return Invalid(field, absl::StrCat(QuoteValue(name), " is not an interface name (1 to 15 "
                                       "bytes, no '/', ':', space or control character, "
                                       "not '.' or '..')"));
  }
  return absl::OkStatus();
}

absl::StatusOr<node::ServiceBackendSpec> ToBackendSpec(const v1::ServiceBackend& backend,
                                                     const IpAddress& vip,
                                                     const std::string& field) {
  node::ServiceBackendSpec spec;
  ASSIGN_OR_RETURN(spec.address, ToNewReal(backend.address(), vip, field + ".address"));
  if (backend.port() == 0 || backend.port() > kMaxPort) {
    return Invalid(field + ".port", absl::StrCat(backend.port(), " is not a port (1-65535)"));
  }
  spec.port = static_cast<uint16_t>(backend.port());
  spec.weight = backend.has_weight() ? backend.weight() : kDefaultWeight;
  if (spec.weight > kMaxWeight) {
    return Invalid(field + ".weight", absl::StrCat(spec.weight, " is above the maximum 65535"));
  }
  return spec;
}

absl::StatusOr<node::PolicyRuleSpec> ToRuleSpec(const v1::PolicyRule& rule,
                                              const std::string& field) {
  node::PolicyRuleSpec spec;
  switch (rule.action()) {
    case v1::RULE_ACTION_ALLOW: spec.action = node::RuleAction::kAllow; break;
    case v1::RULE_ACTION_DENY: spec.action = node::RuleAction::kDeny; break;
    default: return Invalid(field + ".action", "required (ALLOW or DENY)");
  }
  if (!rule.peer().empty()) {
    ASSIGN_OR_RETURN(spec.peer, ToNewPrefix(rule.peer(), field + ".peer"));
  }
  switch (rule.protocol()) {
    case v1::RULE_PROTOCOL_ANY: spec.proto = 0; break;
    case v1::RULE_PROTOCOL_TCP: spec.proto = IPPROTO_TCP; break;
    case v1::RULE_PROTOCOL_UDP: spec.proto = IPPROTO_UDP; break;
    // ICMPv6 for IPv6 peers: the datapath reads it so.
    case v1::RULE_PROTOCOL_ICMP: spec.proto = IPPROTO_ICMP; break;
    default: return Invalid(field + ".protocol", "unknown protocol");
  }
  if (rule.port_min() > kMaxPort) {
    return Invalid(field + ".port_min", absl::StrCat(rule.port_min(), " is not a port (0-65535)"));
  }
  if (rule.port_max() > kMaxPort) {
    return Invalid(field + ".port_max", absl::StrCat(rule.port_max(), " is not a port (0-65535)"));
  }
  if (rule.port_min() > rule.port_max()) {
    return Invalid(field + ".port_max", absl::StrCat(rule.port_max(), " is below port_min ",
                                                     rule.port_min()));
  }
  if (rule.port_max() == 0) return spec;  // 0/0: every port
  if (spec.proto == IPPROTO_ICMP) {
    return Invalid(field + ".port_min", "ports apply to TCP, UDP or ANY, not ICMP");
  }
  spec.port_min = static_cast<uint16_t>(rule.port_min());
  spec.port_max = static_cast<uint16_t>(rule.port_max());
  return spec;
}

absl::StatusOr<std::optional<std::vector<node::PolicyRuleSpec>>> ToDirection(
    bool present, const v1::DirectionPolicy& direction, const std::string& field) {
  if (!present) return std::nullopt;
  std::vector<node::PolicyRuleSpec> rules;
  for (int i = 0; i < direction.rules_size(); ++i) {
    ASSIGN_OR_RETURN(node::PolicyRuleSpec rule,
                     ToRuleSpec(direction.rules(i), absl::StrCat(field, ".rules[", i, "]")));
    rules.push_back(rule);
  }
  return rules;
}

void AppendRules(const std::vector<node::PolicyRuleSpec>& rules, v1::DirectionPolicy* out) {
  for (const node::PolicyRuleSpec& rule : rules) *out->add_rules() = ToProto(rule);
}

std::string ProtocolName(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmpv6";
    default: return absl::StrCat(static_cast<int>(proto));
  }
}

}  // namespace

absl::Status CheckEndpointName(const std::string& name, const std::string& field) {
  if (name.empty()) return Invalid(field, "required");
  bool ok = name.size() <= kMaxEndpointName;
  for (char c : name) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                c == '-');
  }
  if (!ok) {
    return Invalid(field, absl::StrCat(QuoteValue(name), " is not an endpoint name "
                                       "(1 to 47 of A-Z a-z 0-9 . _ -)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<node::EndpointSpec> ToEndpointSpec(const v1::Endpoint& endpoint,
                                                const std::string& field) {
  node::EndpointSpec spec;
  RETURN_IF_ERROR(CheckEndpointName(endpoint.name(), field + ".name"));
  spec.name = endpoint.name();
  RETURN_IF_ERROR(CheckInterfaceName(endpoint.iface(), field + ".iface"));
  spec.iface = endpoint.iface();
  if (endpoint.ipv4().empty() && endpoint.ipv6().empty()) {
    return Invalid(field, "ipv4 or ipv6 required (or both)");
  }
  if (!endpoint.ipv4().empty()) {
    ASSIGN_OR_RETURN(spec.ipv4, ToFamilyAddress(endpoint.ipv4(), AF_INET, field + ".ipv4"));
  }
  if (!endpoint.ipv6().empty()) {
    ASSIGN_OR_RETURN(spec.ipv6, ToFamilyAddress(endpoint.ipv6(), AF_INET6, field + ".ipv6"));
  }
  return spec;
}

v1::Endpoint ToProto(const node::EndpointSpec& spec) {
  v1::Endpoint out;
  out.set_name(spec.name);
  out.set_iface(spec.iface);
  if (spec.ipv4) out.set_ipv4(spec.ipv4->ToString());
  if (spec.ipv6) out.set_ipv6(spec.ipv6->ToString());
  return out;
}

absl::StatusOr<VipKey> ToServiceKey(const v1::Vip& vip, const std::string& field) {
  ASSIGN_OR_RETURN(VipKey key, ToVipKey(vip, field));
  if (key.port == 0) return Invalid(field + ".port", "required (a service has a port, 1-65535)");
  return key;
}

absl::StatusOr<node::ServiceSpec> ToServiceSpec(const v1::Service& service,
                                              const std::string& field) {
  node::ServiceSpec spec;
  ASSIGN_OR_RETURN(spec.key, ToServiceKey(service.vip(), field + ".vip"));
  RETURN_IF_ERROR(CheckNewVip(spec.key, field + ".vip"));
  for (int i = 0; i < service.backends_size(); ++i) {
    ASSIGN_OR_RETURN(node::ServiceBackendSpec backend,
                     ToBackendSpec(service.backends(i), spec.key.address,
                                   absl::StrCat(field, ".backends[", i, "]")));
    spec.backends.push_back(backend);
  }
  return spec;
}

v1::Service ToProto(const node::ServiceSpec& spec) {
  v1::Service out;
  *out.mutable_vip() = ToProto(spec.key);
  for (const node::ServiceBackendSpec& b : spec.backends) {
    v1::ServiceBackend* backend = out.add_backends();
    backend->set_address(b.address.ToString());
    backend->set_port(b.port);
    backend->set_weight(b.weight);
  }
  return out;
}

absl::StatusOr<node::PolicySpec> ToPolicySpec(const v1::Policy& policy, const std::string& field) {
  node::PolicySpec spec;
  ASSIGN_OR_RETURN(spec.ingress,
                   ToDirection(policy.has_ingress(), policy.ingress(), field + ".ingress"));
  ASSIGN_OR_RETURN(spec.egress,
                   ToDirection(policy.has_egress(), policy.egress(), field + ".egress"));
  return spec;
}

v1::Policy ToProto(const node::PolicySpec& spec) {
  v1::Policy out;
  if (spec.ingress) AppendRules(*spec.ingress, out.mutable_ingress());
  if (spec.egress) AppendRules(*spec.egress, out.mutable_egress());
  return out;
}

v1::PolicyRule ToProto(const node::PolicyRuleSpec& rule) {
  v1::PolicyRule out;
  out.set_action(rule.action == node::RuleAction::kDeny ? v1::RULE_ACTION_DENY
                                                      : v1::RULE_ACTION_ALLOW);
  if (rule.peer) out.set_peer(rule.peer->ToString());
  switch (rule.proto) {
    case IPPROTO_TCP: out.set_protocol(v1::RULE_PROTOCOL_TCP); break;
    case IPPROTO_UDP: out.set_protocol(v1::RULE_PROTOCOL_UDP); break;
    case IPPROTO_ICMP: out.set_protocol(v1::RULE_PROTOCOL_ICMP); break;
    default: out.set_protocol(v1::RULE_PROTOCOL_ANY); break;
  }
  if (rule.port_min != 0 || rule.port_max != kMaxPort) {  // else 0/0: every port
    out.set_port_min(rule.port_min);
    out.set_port_max(rule.port_max);
  }
  return out;
}

v1::GetPolicyStatsResponse::RuleStats ToProto(const node::RuleHits& hits) {
  v1::GetPolicyStatsResponse::RuleStats out;
  out.set_endpoint(hits.endpoint);
  out.set_direction(node::DirectionName(hits.direction));
  out.set_index(hits.index);
  *out.mutable_rule() = ToProto(hits.rule);
  out.mutable_hits()->set_packets(hits.packets);
  out.mutable_hits()->set_bytes(hits.bytes);
  return out;
}

v1::Event ToProto(const node::NodeEvent& event, const node::Node::EventNames& names) {
  const sluice_event& raw = event.raw;
  v1::Event out;
  switch (raw.type) {
    case SLUICE_EVENT_DROP:
      out.set_type(v1::Event::TYPE_DROP);
      out.set_reason(DropReasonName(raw.reason));
      break;
    case SLUICE_EVENT_POLICY_ALLOW: out.set_type(v1::Event::TYPE_POLICY_ALLOW); break;
    default: break;
  }
  out.set_time_ns(raw.time_ns);
  out.set_endpoint(names.endpoint);
  out.set_direction(node::DirectionName(static_cast<node::Direction>(raw.direction)));
  out.set_rule_index(names.rule_index);
  out.set_protocol(ProtocolName(raw.flow.proto));
  int family = raw.flow.family == SLUICE_FAMILY_V6 ? AF_INET6 : AF_INET;
  out.set_source(IpAddress::FromWords(family, raw.flow.src).ToString());
  out.set_source_port(ntohs(raw.flow.sport));
  out.set_destination(IpAddress::FromWords(family, raw.flow.dst).ToString());
  out.set_destination_port(ntohs(raw.flow.dport));
  out.set_suppressed(event.suppressed);
  return out;
}

}  // namespace sluice::api
