// Node: rebuilding the model from the pinned maps when lbd restarts (there
// is no state file: the maps are the truth), and re-attaching the freshly
// loaded programs in place of the old ones (a tc filter replace: no gap).
#include <bpf/bpf.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/map_entries.h"
#include "base/status_macros.h"
#include "node/node.h"
#include "node/policy_compiler.h"

namespace sluice::node {
namespace {

// Every key of a hash map (the maps restored here are small).
template <typename Key>
std::vector<Key> Keys(int fd) {
  std::vector<Key> keys;
  Key key{}, next{};
  const Key* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    keys.push_back(next);
    key = next;
    prev = &key;
  }
  return keys;
}

PolicyRuleSpec RuleFromSpec(const sluice_policy_rule_spec& v) {
  PolicyRuleSpec r;
  r.action = static_cast<RuleAction>(v.action);
  if (v.family != SLUICE_FAMILY_NONE) {
    IpPrefix p;
    p.address = IpAddress::FromWords(v.family == SLUICE_FAMILY_V4 ? AF_INET : AF_INET6, v.addr);
    p.length = v.prefixlen;
    r.peer = p;
  }
  r.proto = v.proto;
  r.port_min = v.port_min;
  r.port_max = v.port_max;
  return r;
}

}  // namespace

absl::Status Node::Restore() {
  RETURN_IF_ERROR(RestoreEndpoints());
  RETURN_IF_ERROR(PurgeUnreferencedPolicy());
  return RestoreServices();
}

absl::StatusOr<Node::InstalledPolicy> Node::RestorePolicy(
    uint32_t policy_id, Direction direction, const RulesByPolicy& rules) {
  std::vector<std::pair<sluice_policy_rule_spec, uint32_t>> found;
  auto it = rules.find({policy_id, static_cast<uint8_t>(direction)});
  if (it != rules.end()) found = it->second;
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first.index < b.first.index; });
  InstalledPolicy policy;
  policy.policy_id = policy_id;
  policy_ids_.Reserve(policy_id);
  for (const auto& [v, rule_id] : found) {
    policy.rules.push_back(RuleFromSpec(v));
    policy.rule_ids.push_back(rule_id);
    rule_ids_.Reserve(rule_id);
  }
  ASSIGN_OR_RETURN(std::vector<PolicyTrieEntry> entries,
                   CompilePolicy(policy.rules, policy.rule_ids));
  for (const PolicyTrieEntry& e : entries) policy.prefixes.push_back(e.prefix);
  return policy;
}

absl::Status Node::RestoreEndpoints() {
  // The rules as written, read once and grouped by (policy, direction).
  RulesByPolicy rules;
  for (uint32_t rule_id : Keys<uint32_t>(datapath_->policy_rule_specs_fd())) {
    sluice_policy_rule_spec v;
    if (bpf_map_lookup_elem(datapath_->policy_rule_specs_fd(), &rule_id, &v) == 0) {
      rules[{v.policy_id, v.direction}].emplace_back(v, rule_id);
    }
  }
  std::set<std::pair<uint32_t, uint8_t>> referenced;
  for (uint32_t ifindex : Keys<uint32_t>(datapath_->endpoints_fd())) {
    sluice_endpoint v;
    if (bpf_map_lookup_elem(datapath_->endpoints_fd(), &ifindex, &v)) continue;
    auto ep = std::make_unique<Endpoint>();
    ep->ifindex = ifindex;
    ep->endpoint_id = v.endpoint_id;
    ep->veth_peer = v.flags & SLUICE_ENDPOINT_VETH_PEER;
    ep->spec.name.assign(v.name, strnlen(v.name, sizeof(v.name)));
    char iface[IF_NAMESIZE] = {};
    ep->spec.iface = if_indextoname(ifindex, iface) ? iface : "";
    if (v.ip4) ep->spec.ipv4 = IpAddress::FromWords(AF_INET, &v.ip4);
    if (v.ip6[0] | v.ip6[1] | v.ip6[2] | v.ip6[3]) {
      ep->spec.ipv6 = IpAddress::FromWords(AF_INET6, v.ip6);
    }
    endpoint_ids_.Reserve(v.endpoint_id);
    for (Direction d : {Direction::kIngress, Direction::kEgress}) {
      uint32_t policy_id = v.policy_id[static_cast<int>(d)];
      if (!policy_id) continue;
      ASSIGN_OR_RETURN(ep->policy[static_cast<int>(d)], RestorePolicy(policy_id, d, rules));
      referenced.insert({policy_id, static_cast<uint8_t>(d)});
    }
    // The veth may be gone with its workload; the endpoint stays listed
    // (with no interface) until it is deleted.
    if (!ep->spec.iface.empty()) RETURN_IF_ERROR(datapath_->Attach(ifindex));
    endpoints_.emplace(ep->spec.name, std::move(ep));
  }
  // Rules of a policy change that was interrupted before its switch.
  for (const auto& [policy, specs] : rules) {
    if (referenced.count(policy)) continue;
    for (const auto& [v, rule_id] : specs) {
      bpf_map_delete_elem(datapath_->policy_rule_specs_fd(), &rule_id);
    }
  }
  return absl::OkStatus();
}

absl::Status Node::PurgeUnreferencedPolicy() {
  std::set<uint32_t> referenced;
  for (const auto& [name, ep] : endpoints_) {
    for (const auto& policy : ep->policy) {
      if (policy) referenced.insert(policy->policy_id);
    }
  }
  for (const sluice_policy_key& key : Keys<sluice_policy_key>(datapath_->policy_fd())) {
    if (!referenced.count(key.policy_id)) bpf_map_delete_elem(datapath_->policy_fd(), &key);
  }
  return absl::OkStatus();
}

// Pins of an lbd from before svc_members have services but no members: every
// live backend record of a service in use is a member, with the weight it
// records (that lbd's rule, without the crash cases it could not decide).
// They are written to svc_members so the next restart reads them there.
absl::Status Node::AdoptMembersOfOldPins(
    const std::map<uint32_t, Service*>& by_id,
    const std::map<uint32_t, sluice_svc_backend>& live,
    std::map<uint32_t, std::pair<uint32_t, uint32_t>>& members) {
  for (const auto& [id, v] : live) {
    auto svc = by_id.find(v.svc_id);
    if (svc == by_id.end()) continue;
    sluice_svc_member_key key{svc->second->ring_id, id};
    RETURN_IF_ERROR(BpfStatus(
        bpf_map_update_elem(datapath_->svc_members_fd(), &key, &v.weight, BPF_ANY),
        "recording the members of a service restored from older pins"));
    members[id] = {v.svc_id, v.weight};
  }
  return absl::OkStatus();
}

// A service's backends are the members of the table it points at
// (svc_members, written before the switch with the weights of that commit),
// so a change interrupted anywhere restores its whole old or whole new set;
// what no table in use names is a leftover and goes.
absl::Status Node::RestoreServices() {
  std::map<uint32_t, Service*> by_id;
  std::map<uint32_t, uint32_t> svc_of_ring;   // tables in use
  for (const sluice_vip_key& key : Keys<sluice_vip_key>(datapath_->services_fd())) {
    sluice_service v;
    if (bpf_map_lookup_elem(datapath_->services_fd(), &key, &v)) continue;
    Service& svc = services_[VipKey::FromBpf(key)];
    svc.key = VipKey::FromBpf(key);
    svc.svc_id = v.svc_id;
    svc.ring_id = v.ring_id;
    service_ids_.Reserve(v.svc_id);
    ring_ids_.Reserve(v.ring_id);
    svc_of_ring[v.ring_id] = v.svc_id;
    by_id[v.svc_id] = &svc;
  }
  for (uint32_t ring_id : Keys<uint32_t>(datapath_->svc_rings_fd())) {
    if (!svc_of_ring.count(ring_id)) bpf_map_delete_elem(datapath_->svc_rings_fd(), &ring_id);
  }
  // Weight by backend id, and the service whose table in use names it.
  std::map<uint32_t, std::pair<uint32_t, uint32_t>> members;
  for (const sluice_svc_member_key& key :
       Keys<sluice_svc_member_key>(datapath_->svc_members_fd())) {
    uint32_t weight = 0;
    auto ring = svc_of_ring.find(key.ring_id);
    if (ring == svc_of_ring.end() ||
        bpf_map_lookup_elem(datapath_->svc_members_fd(), &key, &weight)) {
      bpf_map_delete_elem(datapath_->svc_members_fd(), &key);
      continue;
    }
    members[key.backend_id] = {ring->second, weight};
  }
  // The live backend records, read once.
  std::map<uint32_t, sluice_svc_backend> live;
  ASSIGN_OR_RETURN(MapEntries records, ReadAllEntries(datapath_->svc_backends_fd()));
  for (size_t i = 0; i < records.size(); ++i) {
    uint32_t id;
    sluice_svc_backend v;
    std::memcpy(&id, records.key(i).data(), sizeof(id));
    std::memcpy(&v, records.value(i).data(), sizeof(v));
    if (v.flags & SLUICE_BACKEND_LIVE) live.emplace(id, v);
  }
  if (members.empty() && !by_id.empty()) {
    RETURN_IF_ERROR(AdoptMembersOfOldPins(by_id, live, members));
  }
  for (const auto& [id, v] : live) {
    auto member = members.find(id);
    if (member == members.end() || member->second.first != v.svc_id) {
      sluice_svc_backend empty{};
      bpf_map_update_elem(datapath_->svc_backends_fd(), &id, &empty, BPF_ANY);
      continue;
    }
    Service* svc = by_id[v.svc_id];
    ServiceBackendSpec spec;
    spec.address = IpAddress::FromWords(v.family == SLUICE_FAMILY_V4 ? AF_INET : AF_INET6, v.addr);
    spec.port = ntohs(v.port);
    spec.weight = member->second.second;
    svc->backends.push_back({spec, id});
    backend_ids_.Reserve(id);
  }
  return absl::OkStatus();
}

}  // namespace sluice::node
