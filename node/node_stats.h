// One read of every node (tc) datapath counter, for the Stats RPC and /metrics.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "datapath/tc/node_datapath.h"
#include "sluice/shared.h"

namespace sluice::node {

// Drops (by reason), verdicts, counters.
struct NodeStatsSnapshot {
  std::map<std::string, sluice_counter> drops;
  std::map<std::string, sluice_counter> verdicts;
  std::map<std::string, sluice_counter> counters;
};

absl::StatusOr<NodeStatsSnapshot> ReadNodeStats(const NodeDatapath& datapath);

}  // namespace sluice::node
