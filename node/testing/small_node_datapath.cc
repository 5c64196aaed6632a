#include "node/testing/small_node_datapath.h"

namespace sluice::node::testing {

NodeDatapathOptions SmallNodeDatapathOptions(const std::string& pin_dir) {
  NodeDatapathOptions o;
  o.pin_dir = pin_dir;
  o.conntrack_entries = 4096;
  o.max_endpoints = 16;
  o.max_services = 8;
  o.max_service_backends = 64;
  o.max_policy_prefixes = 256;
  o.max_policy_rules = 256;
  return o;
}

}  // namespace sluice::node::testing
