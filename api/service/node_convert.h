// Validation and translation between sluice.v1.Node's messages and the node
// model (lb/node/node_config.h). Errors are INVALID_ARGUMENT naming the
// field, e.g. "policy.ingress.rules[2].port_max: ...".
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lb/node/event_hub.h"
#include "lb/node/node.h"
#include "lb/node/node_config.h"
#include "sluice/v1/node.pb.h"

namespace sluice::api {

// [A-Za-z0-9._-], 1 to 47 characters.
absl::Status CheckEndpointName(const std::string& name, const std::string& field);

absl::StatusOr<lb::EndpointSpec> ToEndpointSpec(const v1::Endpoint& endpoint,
                                                const std::string& field);
v1::Endpoint ToProto(const lb::EndpointSpec& spec);

// A service's VIP: a port (1..65535) and TCP or UDP.
absl::StatusOr<lb::VipKey> ToServiceKey(const v1::Vip& vip, const std::string& field);
absl::StatusOr<lb::ServiceSpec> ToServiceSpec(const v1::Service& service,
                                              const std::string& field);
v1::Service ToProto(const lb::ServiceSpec& spec);

absl::StatusOr<lb::PolicySpec> ToPolicySpec(const v1::Policy& policy, const std::string& field);
v1::Policy ToProto(const lb::PolicySpec& spec);
v1::PolicyRule ToProto(const lb::PolicyRuleSpec& rule);

v1::GetPolicyStatsResponse::RuleStats ToProto(const lb::RuleHits& hits);

// `names` is what Node::NameEvent says of the event's ids.
v1::Event ToProto(const lb::NodeEvent& event, const lb::Node::EventNames& names);

}  // namespace sluice::api
