// One read of every XDP load balancer counter, for the Stats RPC and /metrics.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/xdp/xdp_datapath.h"
#include "lb/lb_config.h"
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

absl::StatusOr<StatsSnapshot> ReadStats(const XdpDatapath& datapath, const CounterIndex& index);

}  // namespace sluice::lb
