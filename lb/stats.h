// One read of every datapath counter, for the Stats RPC and /metrics.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lb/lb_config.h"
#include "lb/node/node_datapath.h"
#include "lb/xdp_datapath.h"
#include "sluice/shared.h"

namespace sluice::lb {

struct StatsSnapshot {
  struct Vip {
    VipKey key;
    sluice_counter counter;
  };
  struct Backend {
    VipKey vip;
    IpAddress address;
    sluice_counter counter;
  };
  std::vector<Vip> vips;
  std::vector<Backend> backends;
  std::map<std::string, sluice_counter> drops;      // by reason name
  std::map<std::string, sluice_counter> verdicts;   // by verdict name
  std::map<std::string, sluice_counter> counters;   // by counter name
};

absl::StatusOr<StatsSnapshot> ReadStats(const XdpDatapath& datapath, const LbConfig& config);

// The node (tc) datapath's counters: drops (by reason), verdicts, counters.
struct NodeStatsSnapshot {
  std::map<std::string, sluice_counter> drops;
  std::map<std::string, sluice_counter> verdicts;
  std::map<std::string, sluice_counter> counters;
};

absl::StatusOr<NodeStatsSnapshot> ReadNodeStats(const NodeDatapath& datapath);

}  // namespace sluice::lb
