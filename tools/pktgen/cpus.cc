#include "tools/pktgen/cpus.h"

#include <sched.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace sluice::pktgen {

absl::StatusOr<std::vector<int>> ChooseCpus(int threads, const std::vector<int>& requested) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
    return absl::ErrnoToStatus(errno, "sched_getaffinity");
  }
  if (!requested.empty()) {
    for (int cpu : requested) {
      if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--cpu ", cpu, ": not a CPU this process may run on"));
      }
    }
    return requested;
  }
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && static_cast<int>(cpus.size()) < threads; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  if (static_cast<int>(cpus.size()) < threads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--threads ", threads, ": only ", CPU_COUNT(&allowed), " CPUs to pin them to"));
  }
  return cpus;
}

}  // namespace sluice::pktgen
