// Turns one direction of an endpoint's policy into the entries of the
// datapath's policy trie. The datapath does a single longest-prefix match on
// the peer address, so every entry carries all the rules that apply to its
// prefix: its own and those of every shorter prefix covering it. A rule with
// no peer applies to both families (0.0.0.0/0 and ::/0).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "datapath/tc/endpoint_maps.h"
#include "node/node_config.h"
#include "sluice/shared.h"

namespace sluice::node {

struct PolicyTrieEntry {
  IpPrefix prefix;
  sluice_policy_entry value;
};

// rule_ids[i] is the counter id of rules[i]. INVALID_ARGUMENT when more than
// SLUICE_POLICY_MAX_RULES rules apply to one prefix (the message names it).
absl::StatusOr<std::vector<PolicyTrieEntry>> CompilePolicy(
    absl::Span<const PolicyRuleSpec> rules, absl::Span<const uint32_t> rule_ids);

}  // namespace sluice::node
