#include "lb/stats.h"

#include "base/status_macros.h"
#include "datapath/maps/counter_names.h"
#include "datapath/maps/percpu_counters.h"

namespace sluice::lb {

absl::StatusOr<StatsSnapshot> ReadStats(const XdpDatapath& dp, const CounterIndex& index) {
  StatsSnapshot s;
  for (const CounterIndex::Vip& vip : index.vips) {
    ASSIGN_OR_RETURN(sluice_counter c, ReadPerCpuCounter(dp.vip_counters_fd(), vip.vip_id));
    s.vips.push_back({vip.key, c});
    for (const auto& [address, id] : vip.backend_ids) {
      ASSIGN_OR_RETURN(sluice_counter bc, ReadPerCpuCounter(dp.backend_counters_fd(), id));
      s.backends.push_back({vip.key, address, bc});
    }
  }
  for (uint32_t r = 1; r < SLUICE_DROP_REASON_MAX; ++r) {
    if (!IsXdpDropReason(r)) continue;
    ASSIGN_OR_RETURN(s.drops[DropReasonName(r)], ReadPerCpuCounter(dp.drop_counters_fd(), r));
  }
  for (uint32_t v = 0; v < SLUICE_VERDICT_MAX; ++v) {
    ASSIGN_OR_RETURN(s.verdicts[VerdictName(v)], ReadPerCpuCounter(dp.verdict_counters_fd(), v));
  }
  for (uint32_t id = 0; id < SLUICE_CTR_MAX; ++id) {
    ASSIGN_OR_RETURN(s.counters[CounterName(id)], ReadPerCpuCounter(dp.counters_fd(), id));
  }
  return s;
}

}  // namespace sluice::lb
