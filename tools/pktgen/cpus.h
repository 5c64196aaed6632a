// Which CPU each sending thread is pinned to.
#pragma once

#include <vector>

#include "absl/status/statusor.h"

namespace sluice::pktgen {

// `requested` (from --cpu) when every CPU in it is one this process may run
// on, or else, when it is empty, the first `threads` such CPUs.
// INVALID_ARGUMENT naming the CPU, or saying how many there are.
absl::StatusOr<std::vector<int>> ChooseCpus(int threads, const std::vector<int>& requested);

}  // namespace sluice::pktgen
