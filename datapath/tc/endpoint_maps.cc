#include "datapath/tc/endpoint_maps.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "datapath/maps/flow_key.h"
#include "datapath/maps/vip_key.h"
#include "endpoint.skel.h"

namespace sluice {

NodeMapSizes SmallNodeMapSizes() {
  NodeMapSizes s;
  s.conntrack_entries = 4096;
  s.max_endpoints = s.max_services = s.max_service_backends = 256;
  s.max_policy_prefixes = s.max_policy_rules = 256;
  return s;
}

std::vector<MapSize> EndpointMapSizesOf(::endpoint* skel, const NodeMapSizes& o) {
  const auto& m = skel->maps;
  return {
      {m.endpoints, o.max_endpoints},
      {m.services, o.max_services},
      // Each service's table, plus its replacement while a change commits.
      {m.svc_rings, 2 * o.max_services},
      {m.svc_backends, o.max_service_backends},
      // A backend is a member of its table and, while a change commits, of
      // the replacement.
      {m.svc_members, 2 * o.max_service_backends},
      {m.conntrack, o.conntrack_entries, "--node-conntrack-entries"},
      {m.policy, o.max_policy_prefixes},
      {m.rule_specs, o.max_policy_rules},
      {m.rule_counters, o.max_policy_rules},
      {m.events, o.event_ring_bytes},
  };
}

sluice_node_config NodeConfigValue(uint32_t hash_seed, uint32_t flags) {
  sluice_node_config c{};
  c.hash_seed = hash_seed;
  c.flags = flags;
  return c;
}

sluice_endpoint EndpointValue(uint32_t endpoint_id, const std::string& name,
                              const std::optional<IpAddress>& ipv4,
                              const std::optional<IpAddress>& ipv6, uint32_t ingress_policy,
                              uint32_t egress_policy, uint32_t flags) {
  sluice_endpoint v{};
  v.endpoint_id = endpoint_id;
  v.flags = flags;
  v.policy_id[SLUICE_INGRESS] = ingress_policy;
  v.policy_id[SLUICE_EGRESS] = egress_policy;
  if (ipv4) std::memcpy(&v.ip4, ipv4->bytes.data(), sizeof(v.ip4));
  if (ipv6) ipv6->ToWords(v.ip6);
  std::strncpy(v.name, name.c_str(), sizeof(v.name) - 1);
  return v;
}

sluice_service ServiceValue(uint32_t svc_id, uint32_t ring_id) {
  sluice_service v{};
  v.svc_id = svc_id;
  v.ring_id = ring_id;
  return v;
}

sluice_svc_ring SvcRingValue(absl::Span<const uint32_t> backend_ids) {
  sluice_svc_ring ring{};
  for (uint32_t i = 0; i < SLUICE_SVC_RING_SIZE; ++i) {
    ring.backend[i] = backend_ids[i % backend_ids.size()];
  }
  return ring;
}

sluice_svc_backend SvcBackendValue(const IpAddress& address, uint16_t port, uint32_t svc_id,
                                   uint32_t weight, uint8_t flags) {
  sluice_svc_backend v{};
  address.ToWords(v.addr);
  v.port = htons(port);
  v.family = BpfFamily(address);
  v.flags = flags;
  v.svc_id = svc_id;
  v.weight = weight;
  return v;
}

sluice_policy_key PolicyKey(uint32_t policy_id, const IpPrefix& prefix) {
  sluice_policy_key k{};
  k.prefixlen = SLUICE_POLICY_KEY_FIXED_BITS + prefix.length;
  k.policy_id = policy_id;
  k.family = BpfFamily(prefix.address);
  prefix.address.ToWords(k.addr);
  return k;
}

sluice_policy_rule PolicyRuleValue(uint32_t rule_id, uint8_t action, uint8_t proto,
                                   uint16_t port_min, uint16_t port_max) {
  sluice_policy_rule r{};
  r.rule_id = rule_id;
  r.port_min = port_min;
  r.port_max = port_max;
  r.proto = proto;
  r.action = action;
  return r;
}

absl::StatusOr<sluice_policy_entry> PolicyEntryValue(
    absl::Span<const sluice_policy_rule> rules) {
  if (rules.size() > SLUICE_POLICY_MAX_RULES) {
    return absl::InvalidArgumentError(absl::StrCat(
        rules.size(), " rules for one policy entry; it holds ", SLUICE_POLICY_MAX_RULES));
  }
  sluice_policy_entry e{};
  e.count = rules.size();
  std::copy(rules.begin(), rules.end(), e.rules);
  return e;
}

sluice_ct_key CtKey(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                    uint16_t dport, uint8_t proto, uint8_t kind) {
  // A connection key is a flow key with its kind in the flow key's padding.
  static_assert(offsetof(sluice_ct_key, kind) == offsetof(sluice_flow_key, pad));
  const sluice_flow_key flow = FlowKey(src, sport, dst, dport, proto);
  sluice_ct_key k{};
  std::memcpy(&k, &flow, offsetof(sluice_flow_key, pad));
  k.kind = kind;
  return k;
}

}  // namespace sluice
