#include "node/node_stats.h"

#include "base/status_macros.h"
#include "datapath/maps/counter_names.h"
#include "datapath/maps/percpu_counters.h"

namespace sluice::node {

absl::StatusOr<NodeStatsSnapshot> ReadNodeStats(const NodeDatapath& dp) {
  NodeStatsSnapshot s;
  for (uint32_t r = 1; r < SLUICE_DROP_REASON_MAX; ++r) {
    if (!IsNodeDropReason(r)) continue;
    ASSIGN_OR_RETURN(s.drops[DropReasonName(r)], ReadPerCpuCounter(dp.drop_counters_fd(), r));
  }
  for (uint32_t v = 0; v < SLUICE_NODE_VERDICT_MAX; ++v) {
    ASSIGN_OR_RETURN(s.verdicts[NodeVerdictName(v)], ReadPerCpuCounter(dp.verdict_counters_fd(), v));
  }
  for (uint32_t id = 0; id < SLUICE_NODE_CTR_MAX; ++id) {
    ASSIGN_OR_RETURN(s.counters[NodeCounterName(id)], ReadPerCpuCounter(dp.counters_fd(), id));
  }
  return s;
}

}  // namespace sluice::node
