// The maps of the node datapath (datapath/tc/endpoint.bpf.c) as C++ sees
// them: how large each is, and the one encoding of every key and value the
// control plane writes. lbd (node_datapath, node/), the BPF_PROG_TEST_RUN
// fixture and the benchmarks all size and fill the maps through this file,
// so the tests check the encoding lbd writes. Layouts: sluice/shared.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/ip_address.h"
#include "base/map_setup.h"
#include "sluice/shared.h"

struct endpoint;

namespace sluice {

// The sizes lbd gives the node datapath (each map's max_entries follows).
struct NodeMapSizes {
  uint32_t conntrack_entries = 1 << 18;
  uint32_t max_endpoints = 4096;
  uint32_t max_services = 16384;
  uint32_t max_service_backends = 65536;
  uint32_t max_policy_prefixes = 1 << 16;
  uint32_t max_policy_rules = 1 << 16;
  uint32_t event_ring_bytes = 1 << 20;
};

// Sizes that load fast and light, for tests and benchmarks.
NodeMapSizes SmallNodeMapSizes();

// max_entries of every sized map of an opened (not yet loaded) object.
std::vector<MapSize> EndpointMapSizesOf(::endpoint* skel, const NodeMapSizes& sizes);

// node_config[0]: the flow-hash seed and SLUICE_NODE_* flags.
sluice_node_config NodeConfigValue(uint32_t hash_seed, uint32_t flags);

// endpoints[ifindex of the host-side device]. A missing address is none of
// that family; policy id 0 = no policy in that direction; `flags` are enum
// sluice_endpoint_flags; the name is cut to what the entry holds.
sluice_endpoint EndpointValue(uint32_t endpoint_id, const std::string& name,
                              const std::optional<IpAddress>& ipv4,
                              const std::optional<IpAddress>& ipv6, uint32_t ingress_policy,
                              uint32_t egress_policy, uint32_t flags = 0);

// services[VipKey::ToBpf()] (datapath/maps/vip_key.h).
sluice_service ServiceValue(uint32_t svc_id, uint32_t ring_id);

// svc_rings[ring_id]: entry i is backend_ids[i % size] (a Maglev table of
// SLUICE_SVC_RING_SIZE ids, or fewer ids taken in turn). Not empty.
sluice_svc_ring SvcRingValue(absl::Span<const uint32_t> backend_ids);

// svc_backends[id]; port in host order, `flags` enum sluice_backend_flags.
sluice_svc_backend SvcBackendValue(const IpAddress& address, uint16_t port, uint32_t svc_id,
                                   uint32_t weight, uint8_t flags);

// The policy trie: key of `prefix` under `policy_id`, a rule (`action` enum
// sluice_policy_action; protocol 0 = any; destination ports in host order)
// and an entry holding the rules that
// apply to one prefix (INVALID_ARGUMENT beyond SLUICE_POLICY_MAX_RULES).
sluice_policy_key PolicyKey(uint32_t policy_id, const IpPrefix& prefix);
sluice_policy_rule PolicyRuleValue(uint32_t rule_id, uint8_t action, uint8_t proto,
                                   uint16_t port_min, uint16_t port_max);
absl::StatusOr<sluice_policy_entry> PolicyEntryValue(
    absl::Span<const sluice_policy_rule> rules);

// A connection-table key (ports in host order; `kind` enum sluice_ct_kind).
sluice_ct_key CtKey(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                    uint16_t dport, uint8_t proto, uint8_t kind);

}  // namespace sluice
