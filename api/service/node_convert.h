// Validation and translation between sluice.v1.Node's messages and the node
// model (node/node_config.h). Errors are INVALID_ARGUMENT naming the
// field, e.g. "policy.ingress.rules[2].port_max: ...".
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "node/event_hub.h"
#include "node/node.h"
#include "node/node_config.h"
#include "sluice/v1/node.pb.h"

namespace sluice::api {

// [A-Za-z0-9._-], 1 to 47 characters.
absl::Status CheckEndpointName(const std::string& name, const std::string& field);

absl::StatusOr<node::EndpointSpec> ToEndpointSpec(const v1::Endpoint& endpoint,
                                                const std::string& field);
v1::Endpoint ToProto(const node::EndpointSpec& spec);

// A service's VIP: a port (1..65535) and TCP or UDP.
absl::StatusOr<VipKey> ToServiceKey(const v1::Vip& vip, const std::string& field);
absl::StatusOr<node::ServiceSpec> ToServiceSpec(const v1::Service& service,
                                              const std::string& field);
v1::Service ToProto(const node::ServiceSpec& spec);

absl::StatusOr<node::PolicySpec> ToPolicySpec(const v1::Policy& policy, const std::string& field);
v1::Policy ToProto(const node::PolicySpec& spec);
v1::PolicyRule ToProto(const node::PolicyRuleSpec& rule);

v1::GetPolicyStatsResponse::RuleStats ToProto(const node::RuleHits& hits);

// `names` is what Node::NameEvent says of the event's ids.
v1::Event ToProto(const node::NodeEvent& event, const node::Node::EventNames& names);

}  // namespace sluice::api
