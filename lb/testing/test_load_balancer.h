// The LoadBalancer as its tests open it: the XDP object loaded (not
// attached) with its maps pinned in a private directory, restoring whatever
// the pins already hold.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lb/load_balancer.h"

namespace sluice::lb::testing {

struct TestLoadBalancer {
  std::unique_ptr<XdpDatapath> datapath;
  std::unique_ptr<LoadBalancer> lb;   // destroyed first
};

// Small maps (they load fast): 16 VIPs, 64 backends, 8 default rings,
// 4,096 prefixes per family.
XdpDatapathOptions SmallDatapathOptions(const std::string& pin_dir);

absl::StatusOr<TestLoadBalancer> OpenTestLoadBalancer(const XdpDatapathOptions& datapath,
                                                      NextHopResolver resolver,
                                                      uint32_t default_ring_size = 65537);

}  // namespace sluice::lb::testing
