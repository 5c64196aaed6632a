#include "datapath/fuzz/counted_verdicts.h"

#include "absl/strings/str_cat.h"
#include "datapath/maps/percpu_counters.h"

namespace sluice::testing {

CountedVerdicts::CountedVerdicts(int map_fd, uint32_t keys)
    : fd_(map_fd), baseline_(keys), seen_(keys) {
  for (uint32_t k = 0; k < keys; ++k) baseline_[k] = Read(k);
}

uint64_t CountedVerdicts::Read(uint32_t key) const {
  auto c = ReadPerCpuCounter(fd_, key);
  return c.ok() ? c->packets : ~uint64_t{0};
}

std::string CountedVerdicts::Counted(uint32_t key) {
  if (key >= seen_.size()) return absl::StrCat("verdict key ", key, " unknown");
  ++seen_[key];
  std::string problem = AllCounted();
  if (!problem.empty()) {
    // Start over from here, so one miscount is reported once.
    for (uint32_t k = 0; k < seen_.size(); ++k) {
      baseline_[k] = Read(k) - seen_[k];
    }
  }
  return problem;
}

uint64_t CountedVerdicts::MovedInAll() const {
  uint64_t moved = 0;
  for (uint32_t k = 0; k < baseline_.size(); ++k) {
    moved += Read(k) - baseline_[k];
  }
  return moved;
}

std::string CountedVerdicts::AllCounted() {
  for (uint32_t k = 0; k < seen_.size(); ++k) {
    const uint64_t counted = Read(k) - baseline_[k];
    if (counted != seen_[k]) {
      return absl::StrCat("verdict ", k, " counted ", counted,
                          " times, returned ", seen_[k], " times");
    }
  }
  return "";
}

}  // namespace sluice::testing
