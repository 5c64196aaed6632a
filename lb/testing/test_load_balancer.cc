#include "lb/testing/test_load_balancer.h"

#include "base/status_macros.h"

namespace sluice::lb::testing {

XdpDatapathOptions SmallDatapathOptions(const std::string& pin_dir) {
  XdpDatapathOptions o;
  o.pin_dir = pin_dir;
  o.max_vips = 16;
  o.max_backends = 64;
  o.ring_pool_entries = 8 * 65537;
  o.conntrack_entries = 4096;
  o.max_prefixes = 4096;
  o.max_arp_entries = 64;
  return o;
}

absl::StatusOr<TestLoadBalancer> OpenTestLoadBalancer(const XdpDatapathOptions& datapath,
                                                      NextHopResolver resolver,
                                                      uint32_t default_ring_size) {
  TestLoadBalancer t;
  ASSIGN_OR_RETURN(t.datapath, XdpDatapath::Open(datapath));
  ASSIGN_OR_RETURN(GracePeriod grace, GracePeriod::Create());
  LoadBalancerOptions o;
  o.default_ring_size = default_ring_size;
  o.encap_src_v4 = *ParseIpPrefix("172.16.0.0/16");
  o.encap_src_v6 = *ParseIpPrefix("fd00::/96");
  ASSIGN_OR_RETURN(t.lb, LoadBalancer::Create(t.datapath.get(), std::move(grace), o,
                                              std::move(resolver)));
  return t;
}

}  // namespace sluice::lb::testing
