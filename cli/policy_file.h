// The `lbctl policy set` file (docs/policy.md): JSON,
//   {"ingress": [RULE, ...], "egress": [RULE, ...]}
//   RULE = {"action": "allow"|"deny", "peer": CIDR, "protocol": "tcp"|"udp"|"icmp"|"any",
//           "ports": N | "N" | "N-M"}
// A missing direction is open; a present one (even []) denies what no rule
// allows. Only "action" is required. `policy show` prints the same format.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sluice/v1/node.pb.h"

namespace sluice::cli {

// INVALID_ARGUMENT "NAME: ingress rule 2: ..." (rules count from 1) on the
// first problem; unknown keys are errors.
absl::StatusOr<sluice::v1::Policy> ParsePolicyFile(absl::string_view text, absl::string_view name);

// The file that sets `policy`: one rule a line, keys in the documented order.
std::string FormatPolicyFile(const sluice::v1::Policy& policy);

// A rule's fields as the file writes them: "allow", "tcp", "8080" or
// "8000-8099" ("" for every port).
absl::string_view ActionWord(sluice::v1::RuleAction action);
absl::string_view ProtocolWord(sluice::v1::RuleProtocol protocol);
std::string PortsText(const sluice::v1::PolicyRule& rule);

}  // namespace sluice::cli
