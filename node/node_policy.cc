// Node: endpoint policies. A policy change installs the new rules under a
// fresh policy id (invisible to packets), points the endpoint at it in one
// element update, waits a grace period, then removes the old rules: no
// packet ever sees half a policy. Design: docs/tc-datapath.md.
#include <bpf/bpf.h>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/status_macros.h"
#include "datapath/maps/percpu_counters.h"
#include "node/node.h"
#include "node/policy_compiler.h"

namespace sluice::node {
namespace {

absl::Status ValidateRules(const std::vector<PolicyRuleSpec>& rules, Direction d) {
  for (size_t i = 0; i < rules.size(); ++i) {
    const PolicyRuleSpec& r = rules[i];
    std::string where = absl::StrCat(DirectionName(d), " rule ", i + 1);
    if (r.port_min > r.port_max) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": port range ", r.port_min, "-", r.port_max, " is empty"));
    }
    bool every_port = r.port_min == 0 && r.port_max == 65535;
    if (!every_port && r.proto == IPPROTO_ICMP) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": icmp rules take no ports"));
    }
    if (r.proto != 0 && r.proto != IPPROTO_TCP && r.proto != IPPROTO_UDP &&
        r.proto != IPPROTO_ICMP) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": protocol must be any, tcp, udp or icmp"));
    }
  }
  return absl::OkStatus();
}

sluice_policy_rule_spec SpecValue(const PolicyRuleSpec& r, uint32_t policy_id, size_t index,
                                  Direction d) {
  sluice_policy_rule_spec v{};
  v.policy_id = policy_id;
  v.index = static_cast<uint16_t>(index);
  v.direction = static_cast<uint8_t>(d);
  if (r.peer) {
    v.prefixlen = static_cast<uint8_t>(r.peer->length);
    v.family = BpfFamily(r.peer->address);
    r.peer->address.ToWords(v.addr);
  }
  v.proto = r.proto;
  v.action = static_cast<uint8_t>(r.action);
  v.port_min = r.port_min;
  v.port_max = r.port_max;
  return v;
}

}  // namespace

absl::StatusOr<Node::InstalledPolicy> Node::InstallPolicy(
    const std::vector<PolicyRuleSpec>& rules, Direction direction) {
  InstalledPolicy installed;
  installed.rules = rules;
  ASSIGN_OR_RETURN(installed.policy_id, policy_ids_.Allocate());
  auto fail = [&](absl::Status status) {
    RemovePolicy(installed);
    return status;
  };
  for (size_t i = 0; i < rules.size(); ++i) {
    absl::StatusOr<uint32_t> id = rule_ids_.Allocate();
    if (!id.ok()) return fail(id.status());
    installed.rule_ids.push_back(*id);
    ResetPerCpuCounter(datapath_->policy_rule_counters_fd(), *id).IgnoreError();
    sluice_policy_rule_spec spec = SpecValue(rules[i], installed.policy_id, i, direction);
    int err = bpf_map_update_elem(datapath_->policy_rule_specs_fd(), &*id, &spec, BPF_ANY);
    if (err) return fail(BpfStatus(err, "writing policy rules"));
  }
  absl::StatusOr<std::vector<PolicyTrieEntry>> entries = CompilePolicy(rules, installed.rule_ids);
  if (!entries.ok()) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat(DirectionName(direction), ": ", entries.status().message())));
  }
  for (const PolicyTrieEntry& e : *entries) {
    sluice_policy_key key = PolicyKey(installed.policy_id, e.prefix);
    int err = bpf_map_update_elem(datapath_->policy_fd(), &key, &e.value, BPF_ANY);
    if (err) return fail(BpfStatus(err, "writing the policy trie"));
    installed.prefixes.push_back(e.prefix);
  }
  return installed;
}

void Node::RemovePolicy(const InstalledPolicy& policy) {
  for (const IpPrefix& prefix : policy.prefixes) {
    sluice_policy_key key = PolicyKey(policy.policy_id, prefix);
    bpf_map_delete_elem(datapath_->policy_fd(), &key);
  }
  for (uint32_t id : policy.rule_ids) {
    bpf_map_delete_elem(datapath_->policy_rule_specs_fd(), &id);
    rule_ids_.Free(id);
  }
  if (policy.policy_id) policy_ids_.Free(policy.policy_id);
}

absl::Status Node::SwitchPolicy(Endpoint& ep, std::optional<InstalledPolicy> next[2]) {
  Endpoint updated;
  updated.spec = ep.spec;
  updated.ifindex = ep.ifindex;
  updated.endpoint_id = ep.endpoint_id;
  updated.policy[0] = next[0];
  updated.policy[1] = next[1];
  if (absl::Status s = WriteEndpoint(updated); !s.ok()) {
    for (int d = 0; d < 2; ++d) {
      if (next[d]) RemovePolicy(*next[d]);
    }
    return s;
  }
  std::optional<InstalledPolicy> old[2] = {std::move(ep.policy[0]), std::move(ep.policy[1])};
  ep.policy[0] = std::move(next[0]);
  ep.policy[1] = std::move(next[1]);
  // Packets that read the old policy ids finish before the rules go.
  RETURN_IF_ERROR(grace_.Wait());
  for (const auto& policy : old) {
    if (policy) RemovePolicy(*policy);
  }
  return absl::OkStatus();
}

absl::Status Node::SetPolicy(const std::string& endpoint, const PolicySpec& policy) {
  for (Direction d : {Direction::kIngress, Direction::kEgress}) {
    if (policy.of(d)) RETURN_IF_ERROR(ValidateRules(*policy.of(d), d));
  }
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Endpoint * ep, FindEndpoint(endpoint));
  std::optional<InstalledPolicy> next[2];
  for (Direction d : {Direction::kIngress, Direction::kEgress}) {
    if (!policy.of(d)) continue;
    absl::StatusOr<InstalledPolicy> installed = InstallPolicy(*policy.of(d), d);
    if (!installed.ok()) {
      for (auto& done : next) {
        if (done) RemovePolicy(*done);
      }
      return installed.status();
    }
    next[static_cast<int>(d)] = std::move(*installed);
  }
  return SwitchPolicy(*ep, next);
}

absl::StatusOr<PolicySpec> Node::GetPolicy(const std::string& endpoint) const {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(const Endpoint* ep, FindEndpoint(endpoint));
  PolicySpec spec;
  if (ep->policy[SLUICE_INGRESS]) spec.ingress = ep->policy[SLUICE_INGRESS]->rules;
  if (ep->policy[SLUICE_EGRESS]) spec.egress = ep->policy[SLUICE_EGRESS]->rules;
  return spec;
}

absl::Status Node::ClearPolicy(const std::string& endpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Endpoint * ep, FindEndpoint(endpoint));
  std::optional<InstalledPolicy> none[2];
  return SwitchPolicy(*ep, none);
}

std::vector<RuleHits> Node::PolicyStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RuleHits> out;
  for (const auto& [name, ep] : endpoints_) {
    for (Direction d : {Direction::kIngress, Direction::kEgress}) {
      const auto& policy = ep->policy[static_cast<int>(d)];
      if (!policy) continue;
      for (size_t i = 0; i < policy->rules.size(); ++i) {
        RuleHits hits{name, d, static_cast<uint32_t>(i), policy->rules[i]};
        absl::StatusOr<sluice_counter> c =
            ReadPerCpuCounter(datapath_->policy_rule_counters_fd(), policy->rule_ids[i]);
        if (c.ok()) {
          hits.packets = c->packets;
          hits.bytes = c->bytes;
        }
        out.push_back(std::move(hits));
      }
    }
  }
  return out;
}

}  // namespace sluice::node
