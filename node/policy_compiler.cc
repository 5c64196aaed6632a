#include "node/policy_compiler.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace sluice::node {
namespace {

// `p` shortened to `length` bits (host bits cleared).
IpPrefix Truncated(IpPrefix p, int length) {
  for (int bit = length; bit < p.address.bits(); ++bit) {
    p.address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  p.length = length;
  return p;
}

IpPrefix AnyOf(int family) {
  IpPrefix p;
  p.address.family = family;
  return p;
}

// The peers a rule names: its prefix, or both "any" prefixes.
std::vector<IpPrefix> PeersOf(const PolicyRuleSpec& rule) {
  if (rule.peer) return {*rule.peer};
  return {AnyOf(AF_INET), AnyOf(AF_INET6)};
}

uint8_t ProtoFor(const PolicyRuleSpec& rule, const IpPrefix& peer) {
  if (rule.proto == IPPROTO_ICMP && !peer.address.is_v4()) return IPPROTO_ICMPV6;
  return rule.proto;
}

}  // namespace

absl::StatusOr<std::vector<PolicyTrieEntry>> CompilePolicy(
    absl::Span<const PolicyRuleSpec> rules, absl::Span<const uint32_t> rule_ids) {
  std::map<IpPrefix, std::vector<size_t>> rules_by_peer;   // rule indexes, in order
  for (size_t i = 0; i < rules.size(); ++i) {
    for (const IpPrefix& peer : PeersOf(rules[i])) rules_by_peer[peer].push_back(i);
  }
  std::vector<PolicyTrieEntry> out;
  out.reserve(rules_by_peer.size());
  for (const auto& [prefix, own] : rules_by_peer) {
    // The rules of this prefix and of every prefix covering it, in file order.
    std::vector<std::pair<size_t, IpPrefix>> applying;
    for (int length = 0; length <= prefix.length; ++length) {
      IpPrefix outer = Truncated(prefix, length);
      auto it = rules_by_peer.find(outer);
      if (it == rules_by_peer.end()) continue;
      for (size_t i : it->second) applying.emplace_back(i, outer);
    }
    if (applying.size() > SLUICE_POLICY_MAX_RULES) {
      return absl::InvalidArgumentError(absl::StrCat(
          applying.size(), " rules apply to peer ", prefix.ToString(), "; at most ",
          SLUICE_POLICY_MAX_RULES, " may (counting rules of covering prefixes)"));
    }
    std::sort(applying.begin(), applying.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    PolicyTrieEntry entry{prefix, {}};
    for (const auto& [i, peer] : applying) {
      entry.value.rules[entry.value.count++] =
          PolicyRuleValue(rule_ids[i], static_cast<uint8_t>(rules[i].action),
                          ProtoFor(rules[i], peer), rules[i].port_min, rules[i].port_max);
    }
    out.push_back(entry);
  }
  return out;
}

}  // namespace sluice::node
