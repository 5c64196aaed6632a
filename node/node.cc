#include "node/node.h"

#include <bpf/bpf.h>
#include <net/if.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/maglev.h"
#include "base/netlink/next_hop.h"
#include "base/status_macros.h"
#include "datapath/tc/endpoint_maps.h"

namespace sluice::node {
namespace {

// Ids 0 mean "none" in the datapath (no policy, no rule): never handed out.
IdAllocator IdsFromOne(uint32_t capacity, const char* what) {
  IdAllocator ids(capacity, what);
  ids.Reserve(0);
  return ids;
}

std::string BackendKey(const ServiceBackendSpec& b) {
  std::string key(reinterpret_cast<const char*>(b.address.bytes.data()), 16);
  key.push_back(static_cast<char>(b.port >> 8));
  key.push_back(static_cast<char>(b.port & 0xff));
  return key;
}

absl::Status ValidateService(const ServiceSpec& spec) {
  if (spec.key.port == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("service ", spec.key.ToString(), ": a service needs a port"));
  }
  if (spec.key.proto != IPPROTO_TCP && spec.key.proto != IPPROTO_UDP) {
    return absl::InvalidArgumentError(
        absl::StrCat("service ", spec.key.ToString(), ": protocol must be tcp or udp"));
  }
  if (spec.backends.size() > Node::kMaxServiceBackends) {
    return absl::InvalidArgumentError(absl::StrCat("service ", spec.key.ToString(), ": ",
                                                   spec.backends.size(), " backends, at most ",
                                                   Node::kMaxServiceBackends));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < spec.backends.size(); ++i) {
    const ServiceBackendSpec& b = spec.backends[i];
    std::string where = absl::StrCat("service ", spec.key.ToString(), " backend ", i + 1, " (",
                                     b.address.ToString(), ":", b.port, ")");
    if (b.address.family != spec.key.address.family) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": its family differs from the service address's"));
    }
    if (b.port == 0) return absl::InvalidArgumentError(absl::StrCat(where, ": port 0"));
    if (!seen.insert(BackendKey(b)).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": listed twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

const char* DirectionName(Direction d) {
  return d == Direction::kIngress ? "ingress" : "egress";
}

Node::Node(NodeDatapath* datapath, GracePeriod grace, uint32_t hash_seed,
           ConntrackTimeouts timeouts)
    : datapath_(datapath),
      grace_(std::move(grace)),
      timeouts_(timeouts),
      hash_seed_(hash_seed),
      endpoint_ids_(IdsFromOne(datapath->options().max_endpoints, "endpoint ids")),
      policy_ids_(IdsFromOne(4 * datapath->options().max_endpoints + 1, "policy ids")),
      rule_ids_(IdsFromOne(datapath->options().max_policy_rules, "policy rule ids")),
      service_ids_(datapath->options().max_services, "service ids"),
      ring_ids_(2 * datapath->options().max_services, "service Maglev tables"),
      backend_ids_(datapath->options().max_service_backends, "service backend ids") {}

absl::StatusOr<std::unique_ptr<Node>> Node::Create(NodeDatapath* datapath, GracePeriod grace,
                                                   uint32_t hash_seed,
                                                   ConntrackTimeouts timeouts,
                                                   HostRouting host_routing) {
  std::unique_ptr<Node> node(new Node(datapath, std::move(grace), hash_seed, timeouts));
  const sluice_node_config config = NodeConfigValue(
      hash_seed, host_routing == HostRouting::kBpf ? SLUICE_NODE_BPF_HOST_ROUTING : 0);
  uint32_t zero = 0;
  RETURN_IF_ERROR(BpfStatus(bpf_map_update_elem(datapath->config_fd(), &zero, &config, BPF_ANY),
                            "writing the node config"));
  RETURN_IF_ERROR(node->Restore());
  return node;
}

// ---- Endpoints ------------------------------------------------------------

absl::StatusOr<Node::Endpoint*> Node::FindEndpoint(const std::string& name) const {
  auto it = endpoints_.find(name);
  if (it == endpoints_.end()) {
    return absl::NotFoundError(absl::StrCat("endpoint ", name, " does not exist"));
  }
  return it->second.get();
}

absl::Status Node::WriteEndpoint(const Endpoint& ep) {
  auto policy_id = [&](Direction d) {
    const auto& policy = ep.policy[static_cast<int>(d)];
    return policy ? policy->policy_id : 0;
  };
  const sluice_endpoint value = EndpointValue(
      ep.endpoint_id, ep.spec.name, ep.spec.ipv4, ep.spec.ipv6, policy_id(Direction::kIngress),
      policy_id(Direction::kEgress), ep.veth_peer ? SLUICE_ENDPOINT_VETH_PEER : 0);
  return BpfStatus(bpf_map_update_elem(datapath_->endpoints_fd(), &ep.ifindex, &value, BPF_ANY),
                   absl::StrCat("writing endpoint ", ep.spec.name));
}

absl::Status Node::AddEndpoint(const EndpointSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  if (endpoints_.count(spec.name)) {
    return absl::AlreadyExistsError(absl::StrCat("endpoint ", spec.name, " already exists"));
  }
  if (spec.name.empty() || spec.name.size() >= SLUICE_ENDPOINT_NAME_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("endpoint name must have 1 to ",
                                                   SLUICE_ENDPOINT_NAME_MAX - 1, " characters"));
  }
  if ((spec.ipv4 && !spec.ipv4->is_v4()) || (spec.ipv6 && spec.ipv6->is_v4()) ||
      (!spec.ipv4 && !spec.ipv6)) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint ", spec.name, ": needs an IPv4 and/or an IPv6 address"));
  }
  auto ep = std::make_unique<Endpoint>();
  ep->spec = spec;
  ep->ifindex = if_nametoindex(spec.iface.c_str());
  if (!ep->ifindex) {
    return absl::NotFoundError(absl::StrCat("endpoint ", spec.name, ": interface ", spec.iface,
                                            " does not exist"));
  }
  ASSIGN_OR_RETURN(ep->veth_peer, IsVethWithPeerInOtherNamespace(ep->ifindex));
  for (const auto& [name, other] : endpoints_) {
    if (other->ifindex == ep->ifindex) {
      return absl::AlreadyExistsError(
          absl::StrCat("interface ", spec.iface, " already belongs to endpoint ", name));
    }
  }
  ASSIGN_OR_RETURN(ep->endpoint_id, endpoint_ids_.Allocate());
  absl::Status status = WriteEndpoint(*ep);
  if (status.ok()) status = datapath_->Attach(ep->ifindex);
  if (!status.ok()) {
    datapath_->Detach(ep->ifindex).IgnoreError();
    bpf_map_delete_elem(datapath_->endpoints_fd(), &ep->ifindex);
    endpoint_ids_.Free(ep->endpoint_id);
    return status;
  }
  endpoints_.emplace(spec.name, std::move(ep));
  return absl::OkStatus();
}

absl::Status Node::DeleteEndpoint(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Endpoint * ep, FindEndpoint(name));
  RETURN_IF_ERROR(datapath_->Detach(ep->ifindex));
  int err = bpf_map_delete_elem(datapath_->endpoints_fd(), &ep->ifindex);
  if (err && errno != ENOENT) return BpfStatus(err, absl::StrCat("deleting endpoint ", name));
  // The programs are gone from its veth; packets already past the lookup
  // finish within a grace period, then its policy can go.
  RETURN_IF_ERROR(grace_.Wait());
  for (auto& policy : ep->policy) {
    if (policy) RemovePolicy(*policy);
  }
  endpoint_ids_.Free(ep->endpoint_id);
  endpoints_.erase(name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EndpointView>> Node::ListEndpoints(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EndpointView> out;
  for (const auto& [n, ep] : endpoints_) {
    if (!name.empty() && n != name) continue;
    out.push_back({ep->spec, ep->ifindex, ep->policy[SLUICE_INGRESS].has_value(),
                   ep->policy[SLUICE_EGRESS].has_value()});
  }
  if (!name.empty() && out.empty()) {
    return absl::NotFoundError(absl::StrCat("endpoint ", name, " does not exist"));
  }
  return out;
}

Node::EventNames Node::NameEvent(uint32_t endpoint_id, uint32_t rule_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  EventNames names;
  for (const auto& [name, ep] : endpoints_) {
    if (ep->endpoint_id != endpoint_id) continue;
    names.endpoint = name;
    for (const auto& policy : ep->policy) {
      if (!policy || rule_id == 0) continue;
      auto it = std::find(policy->rule_ids.begin(), policy->rule_ids.end(), rule_id);
      if (it != policy->rule_ids.end()) names.rule_index = it - policy->rule_ids.begin();
    }
  }
  return names;
}

// ---- Services -------------------------------------------------------------

absl::Status Node::WriteServiceBackend(const Service& svc, const ServiceBackend& b,
                                       uint8_t flags) {
  const sluice_svc_backend value =
      SvcBackendValue(b.spec.address, b.spec.port, svc.svc_id, b.spec.weight, flags);
  return BpfStatus(bpf_map_update_elem(datapath_->svc_backends_fd(), &b.id, &value, BPF_ANY),
                   absl::StrCat("writing backend ", b.spec.address.ToString(), " of service ",
                                svc.key.ToString()));
}

void Node::ClearServiceBackend(uint32_t id) {
  sluice_svc_backend empty{};
  bpf_map_update_elem(datapath_->svc_backends_fd(), &id, &empty, BPF_ANY);
  backend_ids_.Free(id);
}

absl::StatusOr<uint32_t> Node::WriteRing(const Service& svc) {
  std::vector<MaglevBackend> input;
  for (const ServiceBackend& b : svc.backends) {
    input.push_back({b.id, BackendKey(b.spec), b.spec.weight});
  }
  ASSIGN_OR_RETURN(std::vector<uint32_t> table,
                   BuildMaglevTable(input, SLUICE_SVC_RING_SIZE, hash_seed_));
  const sluice_svc_ring ring = SvcRingValue(table);
  ASSIGN_OR_RETURN(uint32_t ring_id, ring_ids_.Allocate());
  // Its members first: restore reads the set and weights of the table in use.
  for (const ServiceBackend& b : svc.backends) {
    sluice_svc_member_key key{ring_id, b.id};
    int err = bpf_map_update_elem(datapath_->svc_members_fd(), &key, &b.spec.weight, BPF_ANY);
    if (err) {
      DeleteRing(ring_id, svc.backends);
      return BpfStatus(err, absl::StrCat("writing the members of ", svc.key.ToString()));
    }
  }
  int err = bpf_map_update_elem(datapath_->svc_rings_fd(), &ring_id, &ring, BPF_ANY);
  if (err) {
    DeleteRing(ring_id, svc.backends);
    return BpfStatus(err, absl::StrCat("writing the Maglev table of ", svc.key.ToString()));
  }
  return ring_id;
}

void Node::DeleteRing(uint32_t ring_id, const std::vector<ServiceBackend>& members) {
  bpf_map_delete_elem(datapath_->svc_rings_fd(), &ring_id);
  for (const ServiceBackend& b : members) {
    sluice_svc_member_key key{ring_id, b.id};
    bpf_map_delete_elem(datapath_->svc_members_fd(), &key);
  }
  ring_ids_.Free(ring_id);
}

absl::Status Node::AddService(const ServiceSpec& spec) {
  RETURN_IF_ERROR(ValidateService(spec));
  std::lock_guard<std::mutex> lock(mu_);
  auto existing = services_.find(spec.key);
  Service next;
  next.key = spec.key;
  if (existing != services_.end()) {
    next.svc_id = existing->second.svc_id;
  } else {
    ASSIGN_OR_RETURN(next.svc_id, service_ids_.Allocate());
  }
  // Backends that stay keep their id: their connections keep them.
  std::map<std::string, uint32_t> old_ids;
  if (existing != services_.end()) {
    for (const ServiceBackend& b : existing->second.backends) old_ids[BackendKey(b.spec)] = b.id;
  }
  std::vector<ServiceBackend> fresh;   // new to the service
  auto undo = [&](absl::Status status) {
    for (const ServiceBackend& b : fresh) ClearServiceBackend(b.id);
    if (existing == services_.end()) service_ids_.Free(next.svc_id);
    return status;
  };
  for (const ServiceBackendSpec& b : spec.backends) {
    ServiceBackend backend{b, 0};
    auto it = old_ids.find(BackendKey(b));
    if (it != old_ids.end()) {
      backend.id = it->second;
    } else {
      absl::StatusOr<uint32_t> id = backend_ids_.Allocate();
      if (!id.ok()) return undo(id.status());
      backend.id = *id;
    }
    // A member once the service points at a table whose members name it
    // (svc_members; restore).
    if (it == old_ids.end()) fresh.push_back(backend);
    if (absl::Status s = WriteServiceBackend(next, backend, SLUICE_BACKEND_LIVE); !s.ok()) {
      return undo(s);
    }
    next.backends.push_back(backend);
  }
  absl::StatusOr<uint32_t> ring_id = WriteRing(next);
  if (!ring_id.ok()) return undo(ring_id.status());
  next.ring_id = *ring_id;

  // The switch: one element update; packets see the old set or the new.
  sluice_vip_key key = spec.key.ToBpf();
  sluice_service value = ServiceValue(next.svc_id, next.ring_id);
  int err = bpf_map_update_elem(datapath_->services_fd(), &key, &value, BPF_ANY);
  if (err) {
    DeleteRing(next.ring_id, next.backends);
    return undo(BpfStatus(err, absl::StrCat("writing service ", spec.key.ToString())));
  }
  if (existing != services_.end()) {
    // No packet reads the old table or the removed backends after this.
    RETURN_IF_ERROR(grace_.Wait());
    DeleteRing(existing->second.ring_id, existing->second.backends);
    std::set<uint32_t> kept;
    for (const ServiceBackend& b : next.backends) kept.insert(b.id);
    for (const ServiceBackend& b : existing->second.backends) {
      if (!kept.count(b.id)) ClearServiceBackend(b.id);
    }
  }
  services_[spec.key] = std::move(next);
  return absl::OkStatus();
}

absl::Status Node::DeleteService(const VipKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = services_.find(key);
  if (it == services_.end()) {
    return absl::NotFoundError(absl::StrCat("service ", key.ToString(), " does not exist"));
  }
  sluice_vip_key bpf_key = key.ToBpf();
  RETURN_IF_ERROR(BpfStatus(bpf_map_delete_elem(datapath_->services_fd(), &bpf_key),
                            absl::StrCat("deleting service ", key.ToString())));
  RETURN_IF_ERROR(grace_.Wait());
  DeleteRing(it->second.ring_id, it->second.backends);
  for (const ServiceBackend& b : it->second.backends) ClearServiceBackend(b.id);
  service_ids_.Free(it->second.svc_id);
  services_.erase(it);
  return absl::OkStatus();
}

std::vector<ServiceSpec> Node::ListServices() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ServiceSpec> out;
  for (const auto& [key, svc] : services_) {
    ServiceSpec spec{key, {}};
    for (const ServiceBackend& b : svc.backends) spec.backends.push_back(b.spec);
    out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace sluice::node
