#include "lbd/roles.h"

#include <time.h>

#include <cstdio>

#include "base/grace_period.h"
#include "base/netlink/next_hop.h"
#include "base/status_macros.h"

namespace sluice::lbd {
namespace {

// The largest frame the XDP interfaces can send: encapsulated packets above
// it are dropped (counted as vip_oversize) instead of silently lost.
uint32_t MaxFrameLen(const std::vector<std::string>& ifaces) {
  uint32_t mtu = 1500;
  for (size_t i = 0; i < ifaces.size(); ++i) {
    auto index = InterfaceIndex(ifaces[i]);
    auto m = index.ok() ? InterfaceMtu(*index) : absl::StatusOr<uint32_t>(1500);
    if (m.ok() && (i == 0 || *m < mtu)) mtu = *m;
  }
  return mtu + 14;
}

}  // namespace

Roles ChooseRoles(const LbdFlags& flags) {
  Roles roles;
  roles.load_balancer = !flags.datapath.ifaces.empty() || flags.decap_ifaces.empty();
  roles.node = roles.load_balancer;
  roles.decap = !flags.decap_ifaces.empty();
  return roles;
}

std::string DecapPinDir(const LbdFlags& flags) { return flags.datapath.pin_dir + "-decap"; }

absl::StatusOr<LoadBalancerRole> LoadBalancerRole::Open(const LbdFlags& flags) {
  LoadBalancerRole role;
  role.has_xdp_interface = !flags.datapath.ifaces.empty();
  ASSIGN_OR_RETURN(role.datapath, XdpDatapath::Open(flags.datapath));
  ASSIGN_OR_RETURN(GracePeriod grace, GracePeriod::Create());
  lb::LoadBalancerOptions options = flags.lb;
  options.max_frame_len = MaxFrameLen(flags.datapath.ifaces);
  lb::NextHopResolver resolver = [](const IpAddress& a) -> absl::StatusOr<lb::NextHopMac> {
    ASSIGN_OR_RETURN(NextHop hop, ResolveNextHop(a));
    return lb::NextHopMac{hop.resolved, hop.mac};
  };
  ASSIGN_OR_RETURN(role.lb, lb::LoadBalancer::Create(role.datapath.get(), std::move(grace),
                                                     options, resolver));
  return role;
}

absl::StatusOr<NodeRole> NodeRole::Open(const LbdFlags& flags) {
  NodeRole role;
  NodeDatapathOptions options = flags.node;
  // Not held up by the verifier: endpoints wait for the programs, the rest
  // of the API does not need them.
  options.load_programs_in_background = true;
  ASSIGN_OR_RETURN(role.datapath, NodeDatapath::Open(options));
  ASSIGN_OR_RETURN(GracePeriod grace, GracePeriod::Create());
  ASSIGN_OR_RETURN(role.node, node::Node::Create(role.datapath.get(), std::move(grace),
                                                 static_cast<uint32_t>(flags.lb.hash_seed),
                                                 flags.ct_timeouts, flags.host_routing));
  ASSIGN_OR_RETURN(role.events, node::EventHub::Start(role.datapath->events_fd()));
  return role;
}

void NodeRole::SweepConnections() const {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  auto swept = node->SweepConnections(uint64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec);
  if (!swept.ok()) {
    fprintf(stderr, "lbd: sweeping the connection table: %s\n",
            std::string(swept.status().message()).c_str());
  }
}

absl::StatusOr<DecapRole> DecapRole::Open(const LbdFlags& flags) {
  DecapRole role;
  ASSIGN_OR_RETURN(role.decap, decap::Decap::Attach(flags.decap_ifaces, DecapPinDir(flags)));
  return role;
}

}  // namespace sluice::lbd
