// The node's configuration as the control plane models it: endpoints
// (workloads behind a veth), services (VIP:port/proto -> backends, NATed on
// the endpoint's veth) and endpoint policies.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ip_address.h"
#include "datapath/maps/vip_key.h"
#include "sluice/shared.h"

namespace sluice::node {

struct EndpointSpec {
  std::string name;    // [A-Za-z0-9._-]{1,47}
  std::string iface;   // host side of the veth
  std::optional<IpAddress> ipv4;
  std::optional<IpAddress> ipv6;
};

struct EndpointView {
  EndpointSpec spec;
  uint32_t ifindex = 0;
  bool ingress_policy = false;
  bool egress_policy = false;
};

struct ServiceBackendSpec {
  IpAddress address;
  uint16_t port = 0;
  uint32_t weight = 100;   // 0 = no new connections
};

// A service is a VipKey with a port (not 0) and protocol TCP or UDP.
struct ServiceSpec {
  VipKey key;
  std::vector<ServiceBackendSpec> backends;
};

enum class Direction { kIngress = SLUICE_INGRESS, kEgress = SLUICE_EGRESS };
const char* DirectionName(Direction d);   // "ingress", "egress"

enum class RuleAction { kAllow = SLUICE_POLICY_ALLOW, kDeny = SLUICE_POLICY_DENY };

struct PolicyRuleSpec {
  RuleAction action = RuleAction::kAllow;
  std::optional<IpPrefix> peer;   // nullopt = every peer, both families
  uint8_t proto = 0;              // 0 = any, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP
                                  // (ICMP means ICMPv6 for IPv6 peers)
  uint16_t port_min = 0;          // 0..65535 = every port
  uint16_t port_max = 65535;
};

// nullopt = that direction is open; a list (even empty) = deny unless allowed.
struct PolicySpec {
  std::optional<std::vector<PolicyRuleSpec>> ingress;
  std::optional<std::vector<PolicyRuleSpec>> egress;
  const std::optional<std::vector<PolicyRuleSpec>>& of(Direction d) const {
    return d == Direction::kIngress ? ingress : egress;
  }
};

struct RuleHits {
  std::string endpoint;
  Direction direction = Direction::kIngress;
  uint32_t index = 0;
  PolicyRuleSpec rule;
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

}  // namespace sluice::node
