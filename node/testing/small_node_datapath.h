// The node datapath's sizes in its tests: small maps, so that loading and
// restoring stay fast, in the pin dir the test owns.
#pragma once

#include <string>

#include "datapath/tc/node_datapath.h"

namespace sluice::node::testing {

// 16 endpoints, 8 services with 64 backend slots, 256 policy prefixes and
// rules, 4,096 connections.
NodeDatapathOptions SmallNodeDatapathOptions(const std::string& pin_dir);

}  // namespace sluice::node::testing
