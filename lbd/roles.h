// The roles one lbd runs, chosen from its flags. Each role opens its own
// datapath and model; lbd_main.cc registers their gRPC services.
//
//   load balancer  --iface given, or no --decap-iface (a control plane
//                  without interfaces, e.g. for tests): lb_xdp + LoadBalancer
//   node           comes with the load balancer: endpoints, services, policy
//   decap          --decap-iface given: the real server's decapsulation
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "datapath/tc/node_datapath.h"
#include "datapath/xdp/xdp_datapath.h"
#include "decap/decap.h"
#include "lb/load_balancer.h"
#include "lbd/lbd_flags.h"
#include "node/event_hub.h"
#include "node/node.h"

namespace sluice::lbd {

struct Roles {
  bool load_balancer = false;
  bool node = false;
  bool decap = false;
};
Roles ChooseRoles(const LbdFlags& flags);

// The pin dir of the decap role's maps, next to the load balancer's.
std::string DecapPinDir(const LbdFlags& flags);

struct LoadBalancerRole {
  std::unique_ptr<XdpDatapath> datapath;
  std::unique_ptr<lb::LoadBalancer> lb;
  bool has_xdp_interface = false;   // a VIP without one is accepted by nobody

  static absl::StatusOr<LoadBalancerRole> Open(const LbdFlags& flags);
};

struct NodeRole {
  std::unique_ptr<NodeDatapath> datapath;
  std::unique_ptr<node::Node> node;
  std::unique_ptr<node::EventHub> events;

  static absl::StatusOr<NodeRole> Open(const LbdFlags& flags);
  // Drops the node's expired connections (logs a failure; lbd goes on).
  void SweepConnections() const;
};

struct DecapRole {
  std::unique_ptr<decap::Decap> decap;

  static absl::StatusOr<DecapRole> Open(const LbdFlags& flags);
};

}  // namespace sluice::lbd
