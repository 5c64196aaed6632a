#include "datapath/tc/decap_maps.h"

#include "base/status_macros.h"
#include "datapath/maps/counter_names.h"
#include "datapath/maps/percpu_counters.h"
#include "datapath/maps/vip_key.h"

namespace sluice {

sluice_vip_key DecapAddressKey(const IpAddress& address) {
  sluice_vip_key k{};
  address.ToWords(k.addr);
  k.family = BpfFamily(address);
  return k;
}

absl::StatusOr<std::map<std::string, sluice_counter>> ReadDecapCounters(int counters_fd) {
  std::map<std::string, sluice_counter> out;
  for (uint32_t id = 0; id < SLUICE_DECAP_CTR_MAX; ++id) {
    ASSIGN_OR_RETURN(out[DecapCounterName(id)], ReadPerCpuCounter(counters_fd, id));
  }
  return out;
}

}  // namespace sluice
