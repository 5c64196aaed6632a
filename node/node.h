// The node datapath's control logic: endpoints, services and policies.
// Validates each change against the model, writes it to the maps so that it
// becomes visible to packets in one element update, and frees what the old
// state used only after a grace period. Restores itself from the pinned maps
// when lbd restarts (no state file). Design: docs/tc-datapath.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/grace_period.h"
#include "base/id_allocator.h"
#include "datapath/tc/node_datapath.h"
#include "node/node_config.h"

namespace sluice::node {

// How long an idle connection-table entry lives (lbd sweeps the table).
struct ConntrackTimeouts {
  uint64_t tcp_syn_ns = 60'000'000'000ull;            // no reply yet
  uint64_t tcp_established_ns = 21'600'000'000'000ull;  // 6 h
  uint64_t tcp_closing_ns = 10'000'000'000ull;        // FIN or RST seen
  uint64_t udp_ns = 60'000'000'000ull;
  uint64_t other_ns = 30'000'000'000ull;              // ICMP and the rest
};

// How a packet from one endpoint to another endpoint of this node travels
// (lbd --host-routing; docs/tc-datapath.md "BPF host routing").
enum class HostRouting {
  kBpf,     // the sender's program hands it (IPv4) to the receiver: no host IP layer
  kKernel,  // through the host's IP layer and netfilter, then to-endpoint
};

struct SweepResult {
  uint64_t scanned = 0;
  uint64_t expired = 0;
};

class Node {
 public:
  // Max backends of one service (each needs some of the 1021 table entries).
  static constexpr size_t kMaxServiceBackends = 256;

  static absl::StatusOr<std::unique_ptr<Node>> Create(NodeDatapath* datapath, GracePeriod grace,
                                                      uint32_t hash_seed,
                                                      ConntrackTimeouts timeouts = {},
                                                      HostRouting host_routing = HostRouting::kBpf);

  absl::Status AddEndpoint(const EndpointSpec& spec);
  absl::Status DeleteEndpoint(const std::string& name);
  // All endpoints, or the one named (NOT_FOUND if it does not exist).
  absl::StatusOr<std::vector<EndpointView>> ListEndpoints(const std::string& name = "") const;

  // Creates the service or replaces its backend set.
  absl::Status AddService(const ServiceSpec& spec);
  absl::Status DeleteService(const VipKey& key);
  std::vector<ServiceSpec> ListServices() const;

  absl::Status SetPolicy(const std::string& endpoint, const PolicySpec& policy);
  absl::StatusOr<PolicySpec> GetPolicy(const std::string& endpoint) const;
  absl::Status ClearPolicy(const std::string& endpoint);
  std::vector<RuleHits> PolicyStats() const;

  // What an event's ids name: the endpoint (empty if gone) and the rule's
  // position in that endpoint's rule list for the direction (-1 = none).
  struct EventNames {
    std::string endpoint;
    int rule_index = -1;
  };
  EventNames NameEvent(uint32_t endpoint_id, uint32_t rule_id) const;

  // Deletes connection-table entries idle longer than their timeout at
  // `now_ns` (CLOCK_MONOTONIC, as bpf_ktime_get_coarse_ns).
  absl::StatusOr<SweepResult> SweepConnections(uint64_t now_ns);

 private:
  // One direction's rules as installed: `policy_id` keys its trie entries.
  struct InstalledPolicy {
    uint32_t policy_id = 0;
    std::vector<PolicyRuleSpec> rules;
    std::vector<uint32_t> rule_ids;     // rule_ids[i]: counter of rules[i]
    std::vector<IpPrefix> prefixes;     // its trie entries
  };
  struct Endpoint {
    EndpointSpec spec;
    uint32_t ifindex = 0;
    uint32_t endpoint_id = 0;
    bool veth_peer = false;   // veth with its peer in another namespace
    std::optional<InstalledPolicy> policy[2];   // by Direction
  };
  struct ServiceBackend {
    ServiceBackendSpec spec;
    uint32_t id = 0;                    // index of svc_backends
  };
  struct Service {
    VipKey key;
    uint32_t svc_id = 0;
    uint32_t ring_id = 0;
    std::vector<ServiceBackend> backends;
  };

  Node(NodeDatapath* datapath, GracePeriod grace, uint32_t hash_seed,
       ConntrackTimeouts timeouts);
  absl::Status Restore();
  absl::Status RestoreEndpoints();
  absl::Status RestoreServices();
  absl::Status AdoptMembersOfOldPins(const std::map<uint32_t, Service*>& by_id,
                                     const std::map<uint32_t, sluice_svc_backend>& live,
                                     std::map<uint32_t, std::pair<uint32_t, uint32_t>>& members);
  // Rule specs (with their rule ids) by (policy id, direction).
  using RulesByPolicy = std::map<std::pair<uint32_t, uint8_t>,
                                 std::vector<std::pair<sluice_policy_rule_spec, uint32_t>>>;
  absl::StatusOr<InstalledPolicy> RestorePolicy(uint32_t policy_id, Direction direction,
                                                const RulesByPolicy& rules);
  absl::Status PurgeUnreferencedPolicy();

  absl::StatusOr<Endpoint*> FindEndpoint(const std::string& name) const;
  absl::Status WriteEndpoint(const Endpoint& ep);
  // Installs `rules` under a fresh policy id (not yet referenced by packets).
  absl::StatusOr<InstalledPolicy> InstallPolicy(const std::vector<PolicyRuleSpec>& rules,
                                                Direction direction);
  // Removes an installed policy no packet can reach any more.
  void RemovePolicy(const InstalledPolicy& policy);
  // Points the endpoint at `next` (one element update), waits until no
  // packet uses the old policies, then removes them.
  absl::Status SwitchPolicy(Endpoint& ep, std::optional<InstalledPolicy> next[2]);

  // Writes the service's table and its members (svc_members) under a fresh
  // ring id, not yet referenced by the service.
  absl::StatusOr<uint32_t> WriteRing(const Service& svc);
  void DeleteRing(uint32_t ring_id, const std::vector<ServiceBackend>& members);
  absl::Status WriteServiceBackend(const Service& svc, const ServiceBackend& b, uint8_t flags);
  void ClearServiceBackend(uint32_t id);

  NodeDatapath* datapath_;
  GracePeriod grace_;
  ConntrackTimeouts timeouts_;
  uint32_t hash_seed_;

  mutable std::mutex mu_;   // one change at a time; guards everything below
  std::map<std::string, std::unique_ptr<Endpoint>> endpoints_;   // by name
  std::map<VipKey, Service> services_;
  IdAllocator endpoint_ids_;
  IdAllocator policy_ids_;
  IdAllocator rule_ids_;
  IdAllocator service_ids_;
  IdAllocator ring_ids_;
  IdAllocator backend_ids_;
};

}  // namespace sluice::node
